import ArgumentParser
import EventModel
import EventPublisher
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Gateway
import Hummingbird
import LoadGenerator
import Logging
import ServiceLifecycle
import ServiceSupport

/// `eventplatform bench gateway`: one 50,000-event bulk request, then sustained bulk ingestion by
/// concurrent clients, each compared with librdkafka publishing the same events directly.
struct GatewayBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Time a 50,000-event bulk request and sustained bulk ingestion; baseline: librdkafka publishing the same events."
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Events in the single bulk request.")
    var bulkEvents = 50_000

    @Option(help: "Repetitions of the single bulk request.")
    var repetitions = 5

    @Option(help: "Events per request in the sustained run.")
    var requestEvents = 5_000

    @Option(help: "Concurrent clients in the sustained run.")
    var clients = 4

    @Option(help: "Events in the sustained run.")
    var sustainedEvents = 400_000

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let brokers = kafka.resolvedBrokers
        var gateway = GatewayConfiguration()
        gateway.topics = GatewayTopics(prefix: "bench-\(UUID().uuidString.prefix(8).lowercased())-")
        try await gateway.topics.createMissing(brokers: brokers, partitions: 6, logger: logger)
        let publisher = PublisherConfiguration.production(brokers: brokers)

        // 1. One bulk request of social events.
        var factory = SampleEventFactory()
        let bulk = (0..<bulkEvents).map { index in factory.next(source: index % 2 == 0 ? .facebook : .tiktok) }
        let body = Array(#"{"events":["#.utf8) + bulk.map(\.json).joined(separator: [UInt8(ascii: ",")]) + Array("]}".utf8)
        let report = try await GatewayBenchmark.bulkRequest(body: body, configuration: gateway, publisher: publisher, repetitions: repetitions, logger: logger)
        print("gateway benchmark, brokers \(brokers)")
        print(report)

        // 2. Sustained: `clients` clients posting bulk requests of `requestEvents` to a gateway in this process.
        let events = (0..<sustainedEvents).map { _ in factory.next(source: [.facebook, .tiktok][Int.random(in: 0...1)]) }
        gateway.port = try freeLoopbackPort()
        gateway.host = "127.0.0.1"
        let application = try buildApplication(
            configuration: gateway, publisher: try Publisher(configuration: publisher, logger: logger),
            registry: ServiceBootstrap.registry, logger: logger)
        let client = GatewayLoadClient(baseURL: URL(string: "http://127.0.0.1:\(gateway.port)")!, mode: .bulk)
        let requestEvents = self.requestEvents, clients = self.clients
        let services = ServiceGroup(services: [application], gracefulShutdownSignals: [], logger: logger)
        let (seconds, accepted) = try await withThrowingTaskGroup(of: Void.self) { group -> (Double, Int) in
            group.addTask { try await services.run() }
            try await waitUntilServing(port: gateway.port)
            let chunks = stride(from: 0, to: events.count, by: requestEvents).map { Array(events[$0..<min($0 + requestEvents, events.count)]) }
            let next = LoadReport()
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { senders in
                for clientIndex in 0..<clients {
                    senders.addTask {
                        for chunk in stride(from: clientIndex, to: chunks.count, by: clients).map({ chunks[$0] }) {
                            next.record(try await client.send(chunk), sent: chunk.count)
                        }
                    }
                }
                try await senders.waitForAll()
            }
            let seconds = (ContinuousClock.now - start).inSeconds
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return (seconds, next.snapshot.accepted)
        }
        guard accepted == events.count else { throw BenchFailure("only \(accepted) of \(events.count) events were accepted") }
        let sustained = Double(accepted) / seconds
        let raw = try await RawProducerRun.measure(events, topic: gateway.topics.facebook, configuration: publisher, logger: logger)
        print(String(format: "  sustained: %d clients x %d-event bulk requests: %.0f events/s (%d events in %.2f s)", clients, requestEvents, sustained, accepted, seconds))
        print(String(format: "  librdkafka directly, same events:          %.0f events/s  -> gateway at %.0f%% of it", raw.rate, 100 * sustained / raw.rate))
    }

    private func waitUntilServing(port: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        let url = URL(string: "http://127.0.0.1:\(port)/health/live")!
        while ContinuousClock.now < deadline {
            if let (_, response) = try? await URLSession.shared.data(from: url), (response as? HTTPURLResponse)?.statusCode == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchFailure("the gateway did not start on port \(port)")
    }
}
