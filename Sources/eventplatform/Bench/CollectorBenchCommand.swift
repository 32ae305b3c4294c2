import ArgumentParser
import Collector
import EventModel
import EventPublisher
import Foundation
import LoadGenerator
import Logging
import Postgres
import ServiceLifecycle

/// `eventplatform bench collector`: one collector draining events already in Kafka into PostgreSQL,
/// compared with `COPY` of the same rows into the same raw table (the ceiling of any loader).
struct CollectorBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collector",
        abstract: "Time one collector draining N events from Kafka (dedupe, raw rows, aggregates, offsets); baseline: COPY of the same rows.",
        discussion: "Uses the database `eventplatform_bench_collector` on DATABASE_URL's server, recreated on every run."
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "PostgreSQL server URL (its database is replaced). (env: DATABASE_URL)")
    var databaseURL: String?

    @Option(help: "Events in Kafka to drain.")
    var events = 1_000_000

    @Option(help: "Records per collector batch.")
    var batchSize = CollectorConfiguration(source: .facebook).batchSize

    @Option(help: "Group members the collector instance runs.")
    var members = 2

    func run() async throws {
        try await BenchDatabase.run(serverURL: databaseURL, prepare: recreateDatabase) { url, client, logger in
            try await measure(url: url, client: client, logger: logger)
        }
    }

    private func measure(url: String, client: PostgresClient, logger: Logger) async throws {
        var settings = SampleEventFactory.Settings()
        settings.invalidShare = 0
        settings.seed = 42
        var factory = SampleEventFactory(settings: settings)
        let samples = (0..<events).map { _ in factory.next(source: .facebook) }
        let topic = "bench-collector-\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: kafka.resolvedBrokers), logger: logger)
        try await admin.createTopics([KafkaNewTopic(name: topic, partitions: 6)])
        let publisher = PublisherConfiguration.production(brokers: kafka.resolvedBrokers)
        let published = try await RawProducerRun.measure(samples, topic: topic, configuration: publisher, logger: logger)
        print(String(format: "%d events (~%d bytes each) in %@ (6 partitions), published at %.0f events/s",
                     events, samples[0].json.count, topic, published.rate))

        try await SchemaMigrator(client: client, logger: logger).migrate()
        let collected = try await drain(topic: topic, url: url, client: client, logger: logger)

        // The ceiling: the same rows COPYed into the same raw table, in batches of the same size, after
        // emptying it (the partitions stay).
        _ = try await client.execute("TRUNCATE events")
        let copy = try await copyBaseline(samples, client: client)

        print(String(format: "collector (batch %d, %d group members): %.0f events/s (%d events in %.1f s after the group join)",
                     batchSize, members, collected.rate, collected.events, collected.seconds))
        print(String(format: "COPY of the same rows into events:  %.0f rows/s  -> collector at %.0f%% of it",
                     copy, 100 * collected.rate / copy))
    }

    /// Runs a collector until its stored offsets cover every event; timed from its first stored batch
    /// (the ~5 s group join is not loading).
    private func drain(topic: String, url: String, client: PostgresClient, logger: Logger) async throws -> (rate: Double, events: Int, seconds: Double) {
        var configuration = CollectorConfiguration(source: .facebook)
        configuration.brokers = kafka.resolvedBrokers
        configuration.databaseURL = url
        configuration.topic = topic
        configuration.groupID = topic
        configuration.deadLetterTopic = topic + "-dlq"
        configuration.metricsPort = 0
        configuration.batchSize = batchSize
        configuration.groupMembers = members
        configuration.rawRetentionDays = nil
        let collector = Collector(configuration: configuration, logger: logger)
        let services = ServiceGroup(services: [collector], gracefulShutdownSignals: [], logger: logger)
        return try await withThrowingTaskGroup(of: (rate: Double, events: Int, seconds: Double)?.self) { group in
            group.addTask { try await services.run(); return nil }
            var first: (instant: ContinuousClock.Instant, stored: Int)?
            var stored = 0
            // The raw producer's warm-up record comes first; the collector dead-letters it.
            while stored < events + 1 {
                try await Task.sleep(for: .milliseconds(100))
                stored = try await client.query("SELECT coalesce(sum(next_offset), 0)::bigint AS n FROM collector_offsets")[0]
                    .decode(Int.self, column: "n")
                if first == nil, stored > 0 { first = (.now, stored) }
            }
            let seconds = (ContinuousClock.now - first!.instant) / .seconds(1)
            let raw = try await client.query("SELECT count(*) AS n FROM events")[0].decode(Int.self, column: "n")
            guard raw == events else { throw BenchFailure("the collector stored \(raw) of \(events) events") }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            let counted = events - first!.stored
            return (Double(counted) / seconds, counted, seconds)
        }
    }

    private func copyBaseline(_ samples: [SampleEvent], client: PostgresClient) async throws -> Double {
        let records = try samples.map { try EventRecord(decoding: $0.json, format: .social) }
        let start = ContinuousClock.now
        for chunk in stride(from: 0, to: samples.count, by: batchSize) {
            var buffer = PostgresCopyBuffer(reservingCapacity: batchSize * 512)
            for index in chunk..<min(chunk + batchSize, samples.count) {
                let event = records[index]
                buffer.appendRow([
                    event.source.rawValue, event.eventId, event.eventType, event.funnelStage?.rawValue,
                    UTCCalendar.timestampText(ofMicroseconds: event.occurredAt), event.userId, event.amount, event.country,
                    event.city, event.device, event.age, event.gender, event.followers, event.campaignId,
                    String(decoding: samples[index].json, as: UTF8.self),
                ])
            }
            _ = try await client.copyFrom("""
                COPY events (source, event_id, event_type, funnel_stage, occurred_at, user_id, amount, country, city, device, \
                age, gender, followers, campaign_id, payload) FROM STDIN
                """, data: buffer)
        }
        return Double(samples.count) / ((ContinuousClock.now - start) / .seconds(1))
    }

    private func recreateDatabase(server: String, logger: Logger) async throws -> String {
        let name = "eventplatform_bench_collector"
        let admin = try await PostgresConnection.connect(url: server, logger: logger)
        _ = try await admin.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
        _ = try await admin.execute("CREATE DATABASE \(identifier: name)")
        await admin.close()
        return PostgresURL.replacingDatabase(of: server, with: name)
    }
}
