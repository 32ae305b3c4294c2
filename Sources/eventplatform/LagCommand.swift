import ArgumentParser
import EventModel
import Kafka
import Logging

/// `eventplatform lag`: prints how far each collector group is behind.
struct LagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lag",
        abstract: "Print the lag of every collector consumer group, per partition and in total."
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Only this source's group: facebook, tiktok or app.")
    var source: String?

    func validate() throws {
        if let source, EventSource(rawValue: source) == nil {
            throw ValidationError("unknown source '\(source)'; expected facebook, tiktok or app")
        }
    }

    func run() async throws {
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: kafka.resolvedBrokers), logger: Logger(label: "lag"))
        let sources = source.flatMap(EventSource.init(rawValue:)).map { [$0] } ?? EventSource.allCases
        for source in sources {
            let group = kafka.collectorGroup(source)
            let lags = try await admin.lag(group: group, topics: [kafka.topics[source]])
            print("\(group): total lag \(lags.reduce(0) { $0 + $1.lag })")
            for lag in lags {
                print("  \(lag.partition): committed \(lag.committed.map(String.init) ?? "-"), end \(lag.end), lag \(lag.lag)")
            }
        }
    }
}
