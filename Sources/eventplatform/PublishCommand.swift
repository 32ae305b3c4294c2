import ArgumentParser
import EventModel
import EventPublisher
import Foundation
import Gateway
import LoadGenerator
import Logging
import Synchronization

/// `eventplatform publish`: the load generator. Realistic events of the contract's shapes, to a running
/// gateway over HTTP or straight to Kafka through the publisher library, at a target rate or as fast
/// as possible.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Generate realistic Facebook, TikTok and app events and send them to the gateway (HTTP) or straight to Kafka."
    )

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var load: LoadOptions

    func run() async throws {
        ServiceBootstrap.lineBufferedOutput()
        let plan = try load.plan()
        let report = LoadReport()
        try await plan.run(brokers: kafka.resolvedBrokers, topics: kafka.topics, report: report) { print($0) }
        print("done: \(report.summary)")
    }
}

/// The load generator's options; shared with `up`.
struct LoadOptions: ParsableArguments {
    @Option(help: "Where to send: gateway (HTTP) or kafka (publisher library). (env: PUBLISH_TO, default gateway)")
    var to: String?

    @Option(help: "Gateway base URL. (env: GATEWAY_URL, default http://127.0.0.1:8080)")
    var gatewayURL: String?

    @Option(help: "HTTP shape: single, array or bulk. (env: PUBLISH_MODE, default bulk)")
    var mode: String?

    @Option(help: "Events per HTTP request in array and bulk mode. (env: PUBLISH_BATCH, default 500)")
    var batch: Int?

    @Option(help: "Concurrent HTTP clients. (env: PUBLISH_CLIENTS, default 4)")
    var clients: Int?

    @Option(help: "Events to send; with --duration, the upper bound. (env: PUBLISH_COUNT, default 10000)")
    var count: Int?

    @Option(help: "Seconds to run; 0 = until --count is sent. (env: PUBLISH_DURATION, default 0)")
    var duration: Int?

    @Option(help: "Target events per second; 0 = as fast as possible. (env: PUBLISH_RATE, default 0)")
    var rate: Int?

    @Option(help: "Share of events made invalid on purpose, 0...1. (env: PUBLISH_INVALID_SHARE, default 0.02)")
    var invalidShare: Double?

    @Option(help: "Random seed of the generated data. (env: PUBLISH_SEED, default: time-based)")
    var seed: UInt64?

    func plan() throws -> LoadPlan {
        let environment = ProcessInfo.processInfo.environment
        let reader = ServiceBootstrap.environment
        let target = to ?? reader.string("PUBLISH_TO", default: "gateway")
        guard target == "gateway" || target == "kafka" else { throw ValidationError("--to must be gateway or kafka") }
        let modeName = mode ?? reader.string("PUBLISH_MODE", default: "bulk")
        guard let mode = GatewayLoadClient.Mode(rawValue: modeName) else { throw ValidationError("--mode must be single, array or bulk") }
        guard let url = URL(string: gatewayURL ?? reader.string("GATEWAY_URL", default: "http://127.0.0.1:8080")) else {
            throw ValidationError("--gateway-url is not a URL")
        }
        var settings = SampleEventFactory.Settings()
        settings.invalidShare = invalidShare ?? environment["PUBLISH_INVALID_SHARE"].flatMap(Double.init) ?? 0.02
        settings.seed = seed ?? environment["PUBLISH_SEED"].flatMap(UInt64.init) ?? UInt64(Date().timeIntervalSince1970 * 1000)
        let plan = LoadPlan(
            toGateway: target == "gateway",
            client: GatewayLoadClient(baseURL: url, mode: mode),
            batch: mode == .single ? 1 : try batch ?? reader.integer("PUBLISH_BATCH", default: 500, in: 1...50_000),
            clients: try clients ?? reader.integer("PUBLISH_CLIENTS", default: 4, in: 1...256),
            count: try count ?? reader.integer("PUBLISH_COUNT", default: 10_000, in: 1...1_000_000_000),
            duration: .seconds(try duration ?? reader.integer("PUBLISH_DURATION", default: 0, in: 0...86_400)),
            rate: try rate ?? reader.integer("PUBLISH_RATE", default: 0, in: 0...10_000_000),
            settings: settings
        )
        guard (0...1).contains(settings.invalidShare) else { throw ValidationError("--invalid-share must be within 0...1") }
        return plan
    }
}

/// One load run: what to generate, how fast, and where to send it.
struct LoadPlan: Sendable {
    var toGateway: Bool
    var client: GatewayLoadClient
    var batch: Int
    var clients: Int
    var count: Int
    var duration: Duration
    var rate: Int
    var settings: SampleEventFactory.Settings

    /// Runs the load, printing a progress line every two seconds through `progress`; sends nothing more
    /// once `stop` is set.
    func run(
        brokers: String, topics: GatewayTopics, report: LoadReport, stop: StopFlag = StopFlag(),
        progress: @escaping @Sendable (String) -> Void
    ) async throws {
        let start = ContinuousClock.now
        let deadline = duration > .zero ? start + duration : nil
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(2))
                    progress(report.line(elapsed: ContinuousClock.now - start))
                }
            }
            if toGateway {
                try await sendToGateway(report: report, start: start, deadline: deadline, stop: stop)
            } else {
                try await sendToKafka(brokers: brokers, topics: topics, report: report, start: start, deadline: deadline, stop: stop)
            }
            group.cancelAll()
        }
        progress(report.line(elapsed: ContinuousClock.now - start))
    }

    /// Each client generates its share (its own seed) and posts it in requests of `batch` events of one source.
    private func sendToGateway(report: LoadReport, start: ContinuousClock.Instant, deadline: ContinuousClock.Instant?, stop: StopFlag) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for clientIndex in 0..<clients {
                var clientSettings = settings
                clientSettings.seed &+= UInt64(clientIndex) &* 7919
                let share = count / clients + (clientIndex < count % clients ? 1 : 0)
                group.addTask {
                    var factory = SampleEventFactory(settings: clientSettings)
                    var sent = 0
                    while sent < share, !stop.isSet, deadline.map({ ContinuousClock.now < $0 }) ?? true {
                        let size = min(batch, share - sent)
                        let source = EventSource.allCases[sent / max(batch, 1) % 3]
                        let events = (0..<size).map { _ in factory.next(source: source) }
                        sent += size
                        if rate > 0 {
                            // Each client paces its share of the rate.
                            let perClient = Double(rate) / Double(clients)
                            try await Task.sleep(until: start + .seconds(Double(sent) / perClient), clock: .continuous)
                        }
                        do {
                            report.record(try await client.send(events), sent: size)
                        } catch {
                            report.recordFailure(size)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private func sendToKafka(
        brokers: String, topics: GatewayTopics, report: LoadReport, start: ContinuousClock.Instant,
        deadline: ContinuousClock.Instant?, stop: StopFlag
    ) async throws {
        var logger = Logger(label: "publish")
        logger.logLevel = .warning
        var configuration = try PublisherConfiguration(environment: ProcessInfo.processInfo.environment)
        configuration.brokers = brokers
        let settings = self.settings, count = self.count, rate = self.rate
        try await withRunningPublisher(configuration, logger: logger) { publisher in
            var factory = SampleEventFactory(settings: settings)
            for index in 0..<count {
                if stop.isSet { break }
                if let deadline, ContinuousClock.now >= deadline { break }
                if rate > 0 { try await Task.sleep(until: start + .seconds(1) / rate * index, clock: .continuous) }
                let event = factory.next()
                let record = KafkaProducerRecord(
                    topic: topics[event.source], key: Array(event.userId.utf8), value: event.json,
                    headers: [KafkaHeader(name: "correlation-id", value: "load-\(index)"),
                              KafkaHeader(name: "content-type", value: "application/json"),
                              KafkaHeader(name: "schema-version", value: "1")])
                try await publisher.enqueue(record) { report.record($0, valid: event.isValid) }
            }
            await publisher.flush()
        }
    }
}

/// Counts of a load run, updated concurrently.
final class LoadReport: Sendable {
    struct Counts: Sendable {
        var sent = 0, accepted = 0, rejected = 0, duplicates = 0, failed = 0
    }

    private let counts = Mutex<Counts>(Counts())

    /// A gateway answer: 202 and 400 carry counts; anything else counts the request's events as failed.
    func record(_ answer: GatewayLoadClient.Answer, sent: Int) {
        counts.withLock {
            $0.sent += sent
            if answer.status == 202 || answer.status == 400, answer.accepted + answer.rejected + answer.duplicates == sent {
                $0.accepted += answer.accepted
                $0.rejected += answer.rejected
                $0.duplicates += answer.duplicates
            } else {
                $0.failed += sent
            }
        }
    }

    func recordFailure(_ sent: Int) {
        counts.withLock { $0.sent += sent; $0.failed += sent }
    }

    /// A delivery straight to Kafka: nothing validates it on the way, so invalid ones are counted apart.
    func record(_ result: Result<DeliveryReceipt, PublisherError>, valid: Bool) {
        counts.withLock {
            $0.sent += 1
            switch result {
            case .success: if valid { $0.accepted += 1 } else { $0.rejected += 1 }
            case .failure: $0.failed += 1
            }
        }
    }

    var snapshot: Counts { counts.withLock { $0 } }

    func line(elapsed: Duration) -> String {
        let counts = snapshot
        let seconds = max(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, 0.001)
        return String(format: "%6.1f s  %8.0f events/s  accepted %d  rejected %d  duplicates %d  errors %d",
                      seconds, Double(counts.sent) / seconds, counts.accepted, counts.rejected, counts.duplicates, counts.failed)
    }

    var summary: String {
        let counts = snapshot
        return "\(counts.sent) sent: \(counts.accepted) accepted, \(counts.rejected) rejected, \(counts.duplicates) duplicates, \(counts.failed) errors"
    }
}
