import ArgumentParser
import Autoscaler
import EventModel
import Foundation
import Kafka
import Logging

/// `eventplatform lag`: prints how far each collector group is behind, once or every interval.
struct LagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lag",
        abstract: "Print the lag of every collector consumer group, per partition and in total.",
        discussion: """
        Lag = log end - committed offset, never negative; a partition without a commit counts the records it \
        keeps. With --watch it reads again every interval and adds lag in seconds (how long ago the log end \
        was where the group reads now), the consumption rate and the status (ok, lagging, stalled, stopped, rewound).
        """
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Only this source's group: facebook, tiktok or app.")
    var source: String?

    @Flag(help: "Read again every --interval seconds until Ctrl-C.")
    var watch = false

    @Option(help: "Seconds between reads with --watch.")
    var interval = 5

    @Option(help: "Seconds over which --watch judges statuses and rates.")
    var window = 30

    func validate() throws {
        if let source, EventSource(rawValue: source) == nil {
            throw ValidationError("unknown source '\(source)'; expected facebook, tiktok or app")
        }
        guard interval >= 1, window >= 1 else { throw ValidationError("--interval and --window must be at least 1 second") }
    }

    func run() async throws {
        ServiceBootstrap.lineBufferedOutput()
        var logger = Logger(label: "lag")
        logger.logLevel = .error
        let reader = try LagReader(configuration: KafkaConfiguration(brokers: kafka.resolvedBrokers), logger: logger)
        let sources = source.flatMap(EventSource.init(rawValue:)).map { [$0] } ?? EventSource.allCases
        var trackers = Dictionary(uniqueKeysWithValues: sources.map { ($0, GroupLagTracker(window: .seconds(window))) })
        repeat {
            if watch { print("--- \(Date())") }
            for source in sources {
                let offsets = await reader.read(group: kafka.collectorGroup(source), topics: [kafka.topics[source]])
                print(Self.describe(trackers[source]!.record(offsets)))
            }
            if watch { try await Task.sleep(for: .seconds(interval)) }
        } while watch
    }

    static func describe(_ report: GroupLagReport) -> String {
        var lines: [String] = []
        var summary = "\(report.group): total lag \(report.totalLag), status \(report.status.rawValue)"
        if let members = report.offsets.members { summary += ", \(members) member\(members == 1 ? "" : "s")" }
        if let seconds = report.lagSeconds { summary += ", lag \(String(format: "%.1f", seconds)) s" }
        if let rate = report.consumptionRate { summary += ", consuming \(Int(rate.rounded())) records/s" }
        if let failure = report.offsets.failure { summary += " (incomplete: \(failure))" }
        lines.append(summary)
        for partition in report.partitions {
            let offsets = partition.offsets
            lines.append("  \(offsets.partition): committed \(offsets.committed.map(String.init) ?? "-"), log \(offsets.logStart)..\(offsets.logEnd), lag \(offsets.lag), \(partition.status.rawValue)")
        }
        return lines.joined(separator: "\n")
    }
}
