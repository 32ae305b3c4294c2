import ArgumentParser
import EventPublisher
import Foundation
import LoadGenerator
import Logging

/// `eventplatform bench publisher`: the publisher library against librdkafka driven directly.
///
/// Both sides use the same librdkafka settings (acks=all, idempotence, lz4, the same linger) and the
/// same pre-generated records; the baseline hands each record to librdkafka with no batching layer and
/// waits for every delivery report. Then it measures `publish` latency at a fixed rate.
struct PublisherBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publisher",
        abstract: "Publish N realistic events through the library and through librdkafka directly; then publish latency at a fixed rate."
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Events per throughput run.")
    var events = 1_000_000

    @Option(help: "Concurrent producing tasks for the library run.")
    var tasks = 4

    @Option(help: "Rate (events/s) of the latency run; 0 skips it.")
    var latencyRate = 10_000

    @Option(help: "Seconds of the latency run.")
    var latencySeconds = 10

    @Option(help: "The publisher's batch size (default 100).")
    var batchSize = 100

    @Option(help: "The publisher's batch timeout in milliseconds (default 500).")
    var batchTimeoutMs = 500

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let brokers = kafka.resolvedBrokers
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: brokers), logger: logger)
        let runID = UUID().uuidString.prefix(8).lowercased()
        let rawTopic = "bench-raw-\(runID)", libraryTopic = "bench-lib-\(runID)", latencyTopic = "bench-lat-\(runID)"
        try await admin.createTopics([rawTopic, libraryTopic, latencyTopic].map { KafkaNewTopic(name: $0, partitions: 6) })

        var factory = SampleEventFactory()
        let payloads = (0..<events).map { _ in factory.next(source: .facebook) }
        let averageSize = payloads.reduce(0) { $0 + $1.json.count } / max(payloads.count, 1)
        print("publisher benchmark: \(events) events of \(averageSize) bytes on average, brokers \(brokers)")

        var configuration = PublisherConfiguration.production(brokers: brokers)
        configuration.capacity = PublisherCapacity(maximumEvents: 200_000, maximumBytes: 256 * 1024 * 1024)
        configuration.batch = BatchPolicy(size: batchSize, timeout: .milliseconds(batchTimeoutMs), maximumSize: max(batchSize, 500))

        let raw = try await RawProducerRun.measure(payloads, topic: rawTopic, configuration: configuration, logger: logger)
        print(String(format: "  librdkafka directly:   %8.0f events/s  (%.2f s)", raw.rate, raw.seconds))
        let library = try await LibraryRun.measure(payloads, topic: libraryTopic, tasks: tasks, configuration: configuration, logger: logger)
        print(String(format: "  publisher library:     %8.0f events/s  (%.2f s, %d tasks)  = %.0f%% of librdkafka", library.rate, library.seconds, tasks, 100 * library.rate / raw.rate))

        if latencyRate > 0 {
            let latency = try await LatencyRun.measure(
                payloads, topic: latencyTopic, rate: latencyRate, seconds: latencySeconds, configuration: configuration, logger: logger)
            print(String(format: "  publish latency at %d events/s (batch %d events / %.0f ms): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms over %d events",
                         latencyRate, configuration.batch.size, configuration.batch.timeout.inSeconds * 1000,
                         latency.p50 * 1000, latency.p90 * 1000, latency.p99 * 1000, latency.count))
            print("  flushes during the latency run: \(latency.flushes.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))")
        }
    }
}
