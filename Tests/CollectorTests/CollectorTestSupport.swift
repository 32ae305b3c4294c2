import Collector
import EventModel
import Foundation
import Kafka
import LoadGenerator
import Logging
import Metrics
import MetricsTestKit
import Postgres
import ServiceLifecycle
import TestInfrastructure

let testLogger: Logger = {
    var logger = Logger(label: "collector-tests")
    logger.logLevel = .notice
    return logger
}()

/// A database of the test's own on the shared server, migrated; dropped afterwards.
struct TestDatabase: Sendable {
    let url: String
    let client: PostgresClient

    /// Runs `body` with a fresh database, migrated unless `migrated` is false.
    static func with<T: Sendable>(migrated: Bool = true, _ body: (TestDatabase) async throws -> T) async throws -> T {
        try await ScratchDatabase.with(prefix: "collector_test", logger: testLogger) { url, client in
            let database = TestDatabase(url: url, client: client)
            if migrated {
                try await SchemaMigrator(client: client, logger: testLogger).migrate()
            }
            return try await body(database)
        }
    }

    /// What is stored, counted several ways.
    func totals() async throws -> StoredTotals {
        let row = try await client.query("""
            SELECT (SELECT count(*) FROM events) AS raw,
                   (SELECT count(*) FROM event_keys) AS keys,
                   (SELECT coalesce(sum(events), 0) FROM event_counts_hourly) AS counted,
                   (SELECT coalesce(sum(revenue), 0) FROM revenue_hourly) AS revenue,
                   (SELECT coalesce(sum(purchases), 0) FROM revenue_hourly) AS purchases
            """)[0]
        return StoredTotals(
            raw: try row.decode(Int.self, column: "raw"),
            keys: try row.decode(Int.self, column: "keys"),
            counted: try row.decode(Int.self, column: "counted"),
            revenue: try row.decode(Decimal.self, column: "revenue"),
            purchases: try row.decode(Int.self, column: "purchases")
        )
    }
}

struct StoredTotals: Sendable, Hashable, CustomStringConvertible {
    var raw: Int
    var keys: Int
    var counted: Int
    var revenue: Decimal
    var purchases: Int

    /// What storing exactly `events` (each once) gives.
    init(expecting events: [SampleEvent]) {
        raw = events.count
        keys = events.count
        counted = events.count
        revenue = events.compactMap { $0.amount.flatMap { Decimal(string: $0) } }.reduce(0, +)
        purchases = events.filter { $0.amount != nil }.count
    }

    init(raw: Int, keys: Int, counted: Int, revenue: Decimal, purchases: Int) {
        self.raw = raw
        self.keys = keys
        self.counted = counted
        self.revenue = revenue
        self.purchases = purchases
    }

    var description: String { "raw \(raw), keys \(keys), counted \(counted), revenue \(revenue), purchases \(purchases)" }
}

/// `count` valid sample events of `source`, unique ids per call (the seed is random).
func sampleEvents(_ source: EventSource, count: Int, users: Int = 200, days: Int = 28) -> [SampleEvent] {
    var settings = SampleEventFactory.Settings()
    settings.usersPerSource = users
    settings.days = days
    settings.seed = UInt64.random(in: 1...UInt64.max / 2)
    var factory = SampleEventFactory(settings: settings)
    return (0..<count).map { _ in factory.next(source: source) }
}

/// Decodes sample events as a collector would, placed at `offsets` of partition 0 of `topic`.
func consumed(_ events: [SampleEvent], topic: String = "events.test", partition: Int32 = 0, firstOffset: Int64 = 0) throws -> [ConsumedEvent] {
    try events.enumerated().map { index, sample in
        ConsumedEvent(
            event: try EventRecord(decoding: sample.json, format: EventFormat(source: sample.source)),
            payload: sample.json,
            partition: KafkaTopicPartition(topic: topic, partition: partition),
            offset: firstOffset + Int64(index)
        )
    }
}

/// The next offsets after `events`, per partition.
func nextOffsets(_ events: [ConsumedEvent]) -> [KafkaTopicPartition: Int64] {
    var offsets: [KafkaTopicPartition: Int64] = [:]
    for event in events { offsets[event.partition] = max(offsets[event.partition] ?? 0, event.offset + 1) }
    return offsets
}

/// Kafka helpers bound to the shared broker.
struct TestKafka: Sendable {
    let brokers: String

    init() throws {
        brokers = try TestEnvironment.kafkaBrokers()
    }

    func makeTopic(_ prefix: String, partitions: Int32 = 3) async throws -> String {
        let topic = TestEnvironment.uniqueName(prefix)
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: brokers), logger: testLogger)
        try await admin.createTopics([KafkaNewTopic(name: topic, partitions: partitions)])
        return topic
    }

    /// Publishes the events keyed by user id with a correlation id each, and waits for every acknowledgement.
    func publish(_ events: [SampleEvent], to topic: String) async throws {
        try await publish(events.map { KafkaProducerRecord(
            topic: topic, key: Array($0.userId.utf8), value: $0.json,
            headers: [KafkaHeader(name: "correlation-id", value: "test-\($0.eventId)")]
        ) })
    }

    func publish(_ records: [KafkaProducerRecord]) async throws {
        let delivered = Locked(0)
        let failed = Locked(0)
        let producer = try KafkaProducer(configuration: .producer(brokers: brokers), logger: testLogger) { reports in
            let errors = reports.filter { $0.error != nil }.count
            delivered.withLock { $0 += reports.count - errors }
            failed.withLock { $0 += errors }
        }
        for (index, record) in records.enumerated() {
            try producer.produce(record, id: UInt64(index + 1))
        }
        try await producer.flush(timeout: .seconds(60))
        await producer.close(timeout: .seconds(5))
        guard delivered.value == records.count else {
            throw PublishFailed(delivered: delivered.value, failed: failed.value)
        }
    }

    struct PublishFailed: Error, CustomStringConvertible {
        let delivered: Int
        let failed: Int
        var description: String { "only \(delivered) records delivered, \(failed) failed" }
    }

    /// Reads `topic` from the beginning until `count` records arrived or `timeout` passed.
    func read(_ topic: String, count: Int, timeout: Duration = .seconds(60)) async throws -> [KafkaConsumerRecord] {
        let consumer = try KafkaConsumer(
            configuration: .consumer(brokers: brokers, groupID: TestEnvironment.uniqueName("reader")), logger: testLogger
        )
        try consumer.subscribe(to: [topic])
        var records: [KafkaConsumerRecord] = []
        let deadline = ContinuousClock.now + timeout
        while records.count < count, ContinuousClock.now < deadline {
            records += try await consumer.poll(maxRecords: 1_000, timeout: .milliseconds(200))
        }
        await consumer.close()
        return records
    }
}

/// A collector configuration for `topic` of `source`, writing into `database`, with a group of its own.
func collectorConfiguration(source: EventSource, topic: String, database: TestDatabase, kafka: TestKafka, group: String? = nil) -> CollectorConfiguration {
    var configuration = CollectorConfiguration(source: source)
    configuration.topic = topic
    configuration.groupID = group ?? TestEnvironment.uniqueName("collector")
    configuration.deadLetterTopic = topic + "-dlq"
    configuration.topicPartitions = 3
    configuration.brokers = kafka.brokers
    configuration.databaseURL = database.url
    configuration.batchSize = 500
    // One member per instance, so that instances and members are the same thing in the rebalance tests;
    // the process tests and the end-to-end test run the default two.
    configuration.groupMembers = 1
    configuration.batchWait = .milliseconds(100)
    configuration.rawRetentionDays = nil
    configuration.maximumRetryDelay = .seconds(1)
    return configuration
}

/// Runs collectors as services around `body`, then shuts them down gracefully and waits for them.
func withCollectors<T: Sendable>(
    _ collectors: [Collector],
    _ body: () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        let services = ServiceGroup(services: collectors, gracefulShutdownSignals: [], logger: testLogger)
        group.addTask { try await services.run() }
        let result: T
        do {
            result = try await body()
        } catch {
            await services.triggerGracefulShutdown()
            try? await group.waitForAll()
            throw error
        }
        await services.triggerGracefulShutdown()
        try await group.waitForAll()
        return result
    }
}

/// Runs `body` with `metrics` as the task's metrics factory (collectors started inside record into it).
func withTestMetrics<T>(_ metrics: TestMetrics, _ body: () async throws -> T) async throws -> T {
    try await withMetricsFactory(metrics) { () async throws -> T in
        try await body()
    }
}
