import ArgumentParser
import EventModel
import EventPublisher
import Foundation
import LoadGenerator
import Logging
import Synchronization

/// `eventplatform publish`: the load generator. Realistic events of the contract's shapes, straight to
/// Kafka through the publisher library, at a target rate or as fast as possible.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Generate realistic Facebook, TikTok and app events and publish them to Kafka through the publisher library."
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Events to publish. (env: PUBLISH_COUNT, default 10000)")
    var count: Int?

    @Option(help: "Target events per second; 0 = as fast as possible. (env: PUBLISH_RATE, default 0)")
    var rate: Int?

    @Option(help: "Share of events made invalid on purpose, 0...1 (sent straight to Kafka they exercise the collectors' dead-letter path). (env: PUBLISH_INVALID_SHARE, default 0)")
    var invalidShare: Double?

    @Option(help: "Random seed of the generated data. (env: PUBLISH_SEED, default: time-based)")
    var seed: UInt64?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let count = count ?? environment["PUBLISH_COUNT"].flatMap(Int.init) ?? 10_000
        let rate = rate ?? environment["PUBLISH_RATE"].flatMap(Int.init) ?? 0
        var settings = SampleEventFactory.Settings()
        settings.invalidShare = invalidShare ?? environment["PUBLISH_INVALID_SHARE"].flatMap(Double.init) ?? 0
        settings.seed = seed ?? environment["PUBLISH_SEED"].flatMap(UInt64.init) ?? UInt64(Date().timeIntervalSince1970 * 1000)
        guard count > 0, rate >= 0, (0...1).contains(settings.invalidShare) else {
            throw ValidationError("count must be positive, rate >= 0 and invalid-share within 0...1")
        }
        var logger = Logger(label: "publish")
        logger.logLevel = .warning
        var configuration = try PublisherConfiguration(environment: environment)
        configuration.brokers = kafka.resolvedBrokers
        let report = LoadReport()
        let settingsForRun = settings
        try await withRunningPublisher(configuration, logger: logger) { publisher in
            var factory = SampleEventFactory(settings: settingsForRun)
            let start = ContinuousClock.now
            var nextProgress = start + .seconds(2)
            for index in 0..<count {
                if rate > 0 { try await Task.sleep(until: start + .seconds(1) / rate * index, clock: .continuous) }
                let event = factory.next()
                let record = KafkaProducerRecord(
                    topic: event.source.topic, key: Array(event.userId.utf8), value: event.json,
                    headers: [KafkaHeader(name: "correlation-id", value: "load-\(index)"),
                              KafkaHeader(name: "content-type", value: "application/json"),
                              KafkaHeader(name: "schema-version", value: "1")])
                try await publisher.enqueue(record) { report.record($0, valid: event.isValid) }
                if ContinuousClock.now >= nextProgress {
                    print(report.line(elapsed: ContinuousClock.now - start))
                    nextProgress += .seconds(2)
                }
            }
            await publisher.flush()
            print(report.line(elapsed: ContinuousClock.now - start))
        }
        print("done: \(report.summary)")
    }
}

/// Counts of a load run, updated from delivery callbacks.
final class LoadReport: Sendable {
    private struct Counts { var delivered = 0, invalid = 0, failed = 0 }
    private let counts = Mutex<Counts>(Counts())

    func record(_ result: Result<DeliveryReceipt, PublisherError>, valid: Bool) {
        counts.withLock {
            switch result {
            case .success: $0.delivered += 1; if !valid { $0.invalid += 1 }
            case .failure: $0.failed += 1
            }
        }
    }

    func line(elapsed: Duration) -> String {
        let counts = counts.withLock { $0 }
        let seconds = max(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, 0.001)
        return String(format: "%6.1f s  %8.0f events/s  delivered %d (invalid on purpose %d)  errors %d",
                      seconds, Double(counts.delivered) / seconds, counts.delivered, counts.invalid, counts.failed)
    }

    var summary: String {
        let counts = counts.withLock { $0 }
        return "\(counts.delivered) delivered to Kafka (\(counts.invalid) invalid on purpose), \(counts.failed) failed"
    }
}
