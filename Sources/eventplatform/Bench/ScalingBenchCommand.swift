import ArgumentParser
import Autoscaler
import EventModel
import EventPublisher
import Foundation
import Kafka
import LoadGenerator
import Logging
import Postgres
import Prometheus
import ServiceLifecycle

/// `eventplatform bench scaling`: how fast collector processes drain a backlog with 1, 2, … instances up to
/// the partition count, and the autoscaler's own run against a backlog produced while it runs (a timeline
/// of lag, desired and running instances every 5 s).
struct ScalingBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Drain time of a Facebook backlog with 1..N collector instances, and the autoscaler's timeline on the same backlog.",
        discussion: "Uses databases `eventplatform_bench_scaling_*` on DATABASE_URL's server, recreated on every run. Writes CSV files for scripts/plot-scaling.py."
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "PostgreSQL server URL (its bench databases are replaced). (env: DATABASE_URL)")
    var databaseURL: String?

    @Option(help: "Events in the backlog.")
    var events = 1_000_000

    @Option(help: "Partitions of the topic (the most instances).")
    var partitions = 6

    @Option(help: "Instance counts to time, comma-separated (default 1 up to the partitions; empty: skip).")
    var instances: String?

    @Option(help: "Events per second the producer writes during the autoscaler's run (0: as fast as it can).")
    var rate = 40_000

    @Option(help: "Folder for fixed-instances.csv and autoscaler-timeline.csv.")
    var output = ".local/bench/scaling"

    func run() async throws {
        ServiceBootstrap.start()
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let server = databaseURL ?? ServiceBootstrap.environment.string("DATABASE_URL", default: "postgres://postgres@127.0.0.1:5432/eventplatform")
        var settings = SampleEventFactory.Settings()
        settings.seed = 42
        var factory = SampleEventFactory(settings: settings)
        let samples = (0..<events).map { _ in factory.next(source: .facebook) }
        print("\(events) Facebook events (~\(samples[0].json.count) bytes each), \(partitions) partitions, each collector instance one group member")

        let counts = instances.map { $0.split(separator: ",").compactMap { Int($0) } } ?? Array(1...partitions)
        var rows = ["instances,seconds,events_per_second"]
        for count in counts {
            let (seconds, perSecond) = try await drainWithFixedInstances(count, samples: samples, server: server, logger: logger)
            print(String(format: "%d instance%@: drained in %.1f s, %.0f events/s (from the first start, group joins included)",
                         count, count == 1 ? "" : "s", seconds, perSecond))
            rows.append(String(format: "%d,%.2f,%.0f", count, seconds, perSecond))
        }
        if !counts.isEmpty { try rows.joined(separator: "\n").write(toFile: output + "/fixed-instances.csv", atomically: true, encoding: .utf8) }
        try await autoscalerTimeline(samples: samples, server: server, logger: logger)
    }

    /// A fresh topic with the backlog, a fresh database, and `count` collectors held there by the autoscaler
    /// (min = max = count); timed until the stored offsets cover the backlog.
    private func drainWithFixedInstances(_ count: Int, samples: [SampleEvent], server: String, logger: Logger) async throws -> (Double, Double) {
        let run = try await ScalingRun(name: "fixed-\(count)", partitions: partitions, server: server, kafka: kafka, logger: logger)
        _ = try await RawProducerRun.measure(samples, topic: run.topic, configuration: .production(brokers: kafka.resolvedBrokers), logger: logger)
        var policy = ScalingPolicy(minimumReplicas: count, maximumReplicas: count)
        policy.scaleDownStabilization = .seconds(3_600)
        let started = ContinuousClock.now
        try await run.withAutoscaler(policy: policy) {
            while try await run.storedRecords() < samples.count + 1 { try await Task.sleep(for: .milliseconds(250)) }
        }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        try await run.finish(expecting: Set(samples.map(\.eventId)).count)
        return (seconds, Double(samples.count) / seconds)
    }

    /// The autoscaler with its defaults (one instance at rest) while the backlog is produced at `rate`:
    /// lag, desired and running instances and the consumption rate every 5 s, until drained and back to one.
    private func autoscalerTimeline(samples: [SampleEvent], server: String, logger: Logger) async throws {
        let run = try await ScalingRun(name: "autoscaler", partitions: partitions, server: server, kafka: kafka, logger: logger)
        var rows = ["seconds,lag,desired,replicas,consumption_rate,saturated"]
        print("autoscaler (threshold 50,000, polling 5 s, stabilisation 60 s), backlog produced at \(rate == 0 ? "full speed" : "\(rate)/s"):")
        print("     s        lag  desired  running   consumed/s  saturated")
        let started = ContinuousClock.now
        try await run.withAutoscaler(policy: ScalingPolicy()) {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await produce(samples, to: run.topic, logger: logger) }
                var drained = false
                repeat {
                    try await Task.sleep(for: .seconds(5))
                    let sample = try run.gauges()
                    let seconds = (ContinuousClock.now - started) / .seconds(1)
                    rows.append(String(format: "%.0f,%.0f,%.0f,%.0f,%.0f,%.0f", seconds, sample.lag, sample.desired, sample.replicas, sample.rate, sample.saturated))
                    print(String(format: "%6.0f %10.0f %8.0f %8.0f %12.0f %10.0f", seconds, sample.lag, sample.desired, sample.replicas, sample.rate, sample.saturated))
                    if !drained { drained = try await run.storedRecords() >= samples.count }
                    if drained, sample.replicas <= 1 { break }
                } while ContinuousClock.now - started < .seconds(1_800)
                try await tasks.waitForAll()
            }
        }
        try rows.joined(separator: "\n").write(toFile: output + "/autoscaler-timeline.csv", atomically: true, encoding: .utf8)
        try await run.finish(expecting: Set(samples.map(\.eventId)).count)
        print("timeline in \(output)/autoscaler-timeline.csv; plot: scripts/plot-scaling.py \(output)")
    }

    /// Produces `samples` to `topic` at `rate` per second (in 100 ms steps), or at full speed.
    private func produce(_ samples: [SampleEvent], to topic: String, logger: Logger) async throws {
        let producer = try KafkaProducer(configuration: PublisherConfiguration.production(brokers: kafka.resolvedBrokers).kafkaConfiguration, logger: logger) { _ in }
        let step = rate == 0 ? samples.count : max(1, rate / 10)
        var next = ContinuousClock.now
        for start in stride(from: 0, to: samples.count, by: step) {
            for index in start..<min(start + step, samples.count) {
                let sample = samples[index]
                try producer.produce(KafkaProducerRecord(topic: topic, key: Array(sample.userId.utf8), value: sample.json), id: UInt64(index))
            }
            next += .milliseconds(100)
            if rate > 0 { try await Task.sleep(until: next) }
        }
        try await producer.flush(timeout: .seconds(120))
        await producer.close(timeout: .seconds(5))
    }
}

/// One measured run: its own topic prefix, database and autoscaler.
private struct ScalingRun {
    let prefix: String
    let topic: String
    let url: String
    let client: PostgresClient
    let kafka: KafkaOptions
    let logger: Logger

    init(name: String, partitions: Int, server: String, kafka: KafkaOptions, logger: Logger) async throws {
        prefix = "bench-scaling-\(name)-\(UUID().uuidString.prefix(6).lowercased())."
        topic = prefix + "events.facebook"
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: kafka.resolvedBrokers), logger: logger)
        try await admin.createTopics([KafkaNewTopic(name: topic, partitions: Int32(partitions)), KafkaNewTopic(name: prefix + "events.dlq", partitions: 1)])
        let database = "eventplatform_bench_scaling_" + name.replacingOccurrences(of: "-", with: "_")
        let connection = try await PostgresConnection.connect(url: server, logger: logger)
        _ = try await connection.execute("DROP DATABASE IF EXISTS \(identifier: database) WITH (FORCE)")
        _ = try await connection.execute("CREATE DATABASE \(identifier: database)")
        await connection.close()
        url = PostgresURL.replacingDatabase(of: server, with: database)
        client = PostgresClient(configuration: .init(url: url, maximumConnections: 2), logger: logger)
        self.kafka = kafka
        self.logger = logger
    }

    /// Runs the autoscaler (collectors as child processes of this one) while `body` runs, then stops it.
    func withAutoscaler(policy: ScalingPolicy, _ body: () async throws -> Void) async throws {
        let options = try KafkaOptions.parse(["--brokers", kafka.resolvedBrokers, "--topic-prefix", prefix])
        var configuration = try AutoscalerOptions.parse([]).configuration(sources: [.facebook], kafka: options, databaseURL: url)
        configuration.policy = policy
        configuration.scrapeTargetsFile = nil
        let autoscaler = try Autoscaler(configuration: configuration, logger: logger)
        let services = ServiceGroup(services: [autoscaler], gracefulShutdownSignals: [], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            do {
                try await body()
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    /// Records whose offsets the collectors have stored (the warm-up record of a raw run included).
    func storedRecords() async throws -> Int {
        let present = try await client.query("SELECT to_regclass('public.collector_offsets') IS NOT NULL AS present")[0].decode(Bool.self, column: "present")
        guard present else { return 0 }
        return try await client.query("SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM collector_offsets")[0].decode(Int.self, column: "n")
    }

    /// The autoscaler's gauges for this run's group, read from the process's Prometheus registry.
    func gauges() throws -> (lag: Double, desired: Double, replicas: Double, rate: Double, saturated: Double) {
        var buffer: [UInt8] = []
        ServiceBootstrap.registry.emit(into: &buffer)
        let group = "{group=\"\(prefix)collector-facebook\"}"
        var values: [String: Double] = [:]
        for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where line.contains(group) {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0].prefix { $0 != "{" })] = value }
        }
        return (values["kafka_consumergroup_lag_total"] ?? 0, values["autoscaler_desired_replicas"] ?? 0, values["autoscaler_replicas"] ?? 0,
                values["kafka_consumergroup_consumption_rate"] ?? 0, values["autoscaler_saturated"] ?? 0)
    }

    /// Checks that every event of the backlog (`events` distinct ids) was stored once, then closes the pool.
    func finish(expecting events: Int) async throws {
        let stored = try await client.query("SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM events")[0]
        let raw = try stored.decode(Int.self, column: "n"), ids = try stored.decode(Int.self, column: "ids")
        await client.close()
        guard raw == events, ids == events else { throw BenchFailure("stored \(raw) events (\(ids) distinct) of \(events)") }
    }
}
