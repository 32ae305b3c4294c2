import Collector
import EventModel
import Foundation
import Kafka
import LoadGenerator
import Metrics
import MetricsTestKit
import Postgres
import TestInfrastructure
import Testing

/// Collectors against the real broker and PostgreSQL: exactly-once storage through redelivery,
/// rebalances, poison records and a database outage.
@Suite struct CollectorIntegrationTests {
    /// The sum of the group's stored next offsets: how many records of the topic it has handled
    /// (offsets start at 0 in every partition).
    static func handled(_ database: TestDatabase, group: String) async throws -> Int {
        let rows = try await database.client.query(
            "SELECT coalesce(sum(next_offset), 0) AS n FROM collector_offsets WHERE group_id = \(group)"
        )
        return try rows[0].decode(Int.self, column: "n")
    }

    @Test func eventsDeliveredTwiceAreStoredAndCountedOnce() async throws {
        let kafka = try TestKafka()
        let topic = try await kafka.makeTopic("collector-dupes")
        let samples = sampleEvents(.facebook, count: 600)
        try await kafka.publish(samples, to: topic)
        let metrics = TestMetrics()
        try await TestDatabase.with { database in
            let configuration = collectorConfiguration(source: .facebook, topic: topic, database: database, kafka: kafka)
            let group = configuration.groupID
            try await withTestMetrics(metrics) {
                try await withCollectors([Collector(configuration: configuration, logger: testLogger)]) {
                    #expect(try await eventually { try await Self.handled(database, group: group) == 600 })
                    // Re-published: the same events again, at new offsets.
                    try await kafka.publish(samples, to: topic)
                    #expect(try await eventually { try await Self.handled(database, group: group) == 1_200 })
                }
            }
            #expect(try await database.totals() == StoredTotals(expecting: samples))
            #expect(metrics.counterTotal(label: "collector_events_processed_total") == 600)
            #expect(metrics.counterTotal(label: "collector_events_duplicate_total") == 600)

            // Re-consumed after a seek back: the group's stored offsets go back to 0, so the next run reads
            // all 1,200 records again (PostgreSQL's offsets win over the ones committed to Kafka).
            try await database.client.execute("UPDATE collector_offsets SET next_offset = 0 WHERE group_id = \(group)")
            let replay = TestMetrics()
            try await withTestMetrics(replay) {
                try await withCollectors([Collector(configuration: configuration, logger: testLogger)]) {
                    let replayed = try await eventually { try await Self.handled(database, group: group) == 1_200 }
                    #expect(replayed)
                }
            }
            #expect(try await database.totals() == StoredTotals(expecting: samples))
            #expect(replay.counterTotal(label: "collector_events_processed_total") == 0)
            #expect(replay.counterTotal(label: "collector_events_duplicate_total") == 1_200)
            #expect(try metrics.expectRecorder("collector_batch_size").values.reduce(0, +) == 1_200)
            #expect(try metrics.expectTimer("collector_batch_duration_seconds").values.count > 0)
            // One end-to-end delay per record handled, each from its Kafka timestamp, in seconds.
            let delays = try metrics.expectRecorder("collector_event_delay_seconds", [("source", "facebook")]).values
            #expect(delays.count == 1_200)
            #expect(delays.allSatisfy { $0 >= 0 && $0 < 600 })
        }
    }

    /// Ctrl-C right after start, while the collector still joins its group: the next collector of the group
    /// must get the partitions (on the local broker, leaving in the middle of a join blocked the group for minutes).
    @Test func aCollectorStoppedWhileJoiningLeavesTheGroupUsable() async throws {
        let kafka = try TestKafka()
        let topic = try await kafka.makeTopic("collector-join")
        let samples = sampleEvents(.app, count: 300)
        try await kafka.publish(samples, to: topic)
        try await TestDatabase.with { database in
            let configuration = collectorConfiguration(source: .app, topic: topic, database: database, kafka: kafka)
            let first = Collector(configuration: configuration, logger: testLogger)
            try await withCollectors([first]) {
                // Stop as soon as it subscribed, long before the ~5 s join completes.
                let ready = try await eventually(timeout: .seconds(30)) { first.isReady }
                #expect(ready)
            }
            let group = configuration.groupID
            try await withCollectors([Collector(configuration: configuration, logger: testLogger)]) {
                let stored = try await eventually(timeout: .seconds(60)) { try await Self.handled(database, group: group) == 300 }
                #expect(stored, "the next collector of the group got no partitions")
            }
            #expect(try await database.totals() == StoredTotals(expecting: samples))
        }
    }

    /// Two-member instances of one group, stopped and started in turn like a restarted service: every new
    /// instance gets the partitions. Members that left together made the local broker keep one of them as
    /// the group's leader, and the group never formed again (about every other stop).
    @Test func twoMemberInstancesStartedInTurnEachGetThePartitions() async throws {
        let kafka = try TestKafka()
        let topic = try await kafka.makeTopic("collector-restarts")
        let samples = sampleEvents(.app, count: 100)
        try await TestDatabase.with { database in
            var configuration = collectorConfiguration(source: .app, topic: topic, database: database, kafka: kafka)
            configuration.groupMembers = 2
            for instance in 1...4 {
                try await kafka.publish(samples, to: topic)
                try await withCollectors([Collector(configuration: configuration, logger: testLogger)]) {
                    let stored = try await eventually(timeout: .seconds(60)) {
                        try await Self.handled(database, group: configuration.groupID) == 100 * instance
                    }
                    #expect(stored, "instance \(instance) of the group got no partitions")
                }
            }
            #expect(try await database.totals() == StoredTotals(expecting: samples))
        }
    }

    @Test func poisonRecordsLandInTheDeadLetterTopicWhileTheRestFlowsOn() async throws {
        let kafka = try TestKafka()
        let topic = try await kafka.makeTopic("collector-poison")
        let samples = sampleEvents(.app, count: 200)
        let poison: [(value: String, reason: String)] = [
            ("not json at all", "undecodable: not valid JSON"),
            (#"{"event_id":"123e4567-e89b-12d3-a456-426614174000","occurred_at":"2025-01-15T12:00:00Z","user_id":"","event_type":"x"}"#, "undecodable"),
            (#"{"event_id":"123e4567-e89b-12d3-a456-426614174001","occurred_at":"2025-01-15T12:00:00Z","user_id":"a\u0000b","event_type":"x"}"#, "undecodable: user_id must not contain NUL"),
        ]
        var records = samples.map { KafkaProducerRecord(topic: topic, key: Array($0.userId.utf8), value: $0.json) }
        for (index, letter) in poison.enumerated() {
            records.insert(KafkaProducerRecord(
                topic: topic, key: Array("poison-\(index)".utf8), value: Array(letter.value.utf8),
                headers: [KafkaHeader(name: "correlation-id", value: "poison-\(index)")]
            ), at: 50 * (index + 1))
        }
        try await kafka.publish(records)
        let metrics = TestMetrics()
        try await TestDatabase.with { database in
            let configuration = collectorConfiguration(source: .app, topic: topic, database: database, kafka: kafka)
            try await withTestMetrics(metrics) {
                try await withCollectors([Collector(configuration: configuration, logger: testLogger)]) {
                    let handled = try await eventually { try await Self.handled(database, group: configuration.groupID) == 203 }
                    #expect(handled)
                }
            }
            #expect(try await database.totals() == StoredTotals(expecting: samples))
            #expect(metrics.counterTotal(label: "collector_events_dead_lettered_total") == 3)

            let letters = try await kafka.read(configuration.deadLetterTopic, count: 3)
            #expect(letters.count == 3)
            for (index, letter) in poison.enumerated() {
                let record = letters.first { $0.header("correlation-id") == "poison-\(index)" }
                #expect(record?.key == Array("poison-\(index)".utf8), "original key kept")
                #expect(record?.value == Array(letter.value.utf8), "original value kept")
                #expect(record?.header("dlq-reason")?.hasPrefix(letter.reason) == true, "reason: \(record?.header("dlq-reason") ?? "none")")
                #expect(record?.header("dlq-topic") == topic)
            }
        }
    }

    /// A record near Kafka's record limit that must be dead-lettered no longer fits with the dead-letter
    /// headers: Kafka refuses the letter for good. It was retried forever and the member held its
    /// partition without progress; now it goes without its value, saying where the original lies.
    @Test func aDeadLetterTooLargeForKafkaGoesWithoutItsValueAndTheRestFlowsOn() async throws {
        let kafka = try TestKafka()
        let topic = try await kafka.makeTopic("collector-large-letter", partitions: 1)
        let samples = sampleEvents(.app, count: 40)
        var records = samples.map { KafkaProducerRecord(topic: topic, key: Array($0.userId.utf8), value: $0.json) }
        let large = [UInt8](repeating: UInt8(ascii: "x"), count: 999_900)
        records.insert(KafkaProducerRecord(
            topic: topic, key: Array("large".utf8), value: large, headers: [KafkaHeader(name: "correlation-id", value: "large")]
        ), at: 20)
        try await kafka.publish(records)
        try await TestDatabase.with { database in
            let configuration = collectorConfiguration(source: .app, topic: topic, database: database, kafka: kafka)
            try await withCollectors([Collector(configuration: configuration, logger: testLogger)]) {
                let handled = try await eventually(timeout: .seconds(60)) { try await Self.handled(database, group: configuration.groupID) == 41 }
                #expect(handled, "the member stopped at the large record")
            }
            #expect(try await database.totals() == StoredTotals(expecting: samples))
            let letters = try await kafka.read(configuration.deadLetterTopic, count: 1)
            let letter = try #require(letters.first { $0.header("correlation-id") == "large" })
            #expect(letter.value.isEmpty)
            #expect(letter.header("dlq-value-omitted")?.hasPrefix("999900 bytes") == true)
            #expect(letter.header("dlq-offset") == "20")
            #expect(letter.header("dlq-reason")?.hasPrefix("undecodable") == true)
        }
    }

    /// The offset stored in PostgreSQL lies past the end of the log, as after the topic was recreated or the
    /// in-memory broker restarted: the collector sought there and silently skipped every new record below it.
    @Test func storedOffsetsPastTheEndOfTheLogAreRewoundNotSkippedTo() async throws {
        let kafka = try TestKafka()
        let topic = try await kafka.makeTopic("collector-offsets-ahead", partitions: 1)
        let samples = sampleEvents(.app, count: 30)
        try await kafka.publish(samples, to: topic)
        let metrics = TestMetrics()
        try await TestDatabase.with { database in
            let configuration = collectorConfiguration(source: .app, topic: topic, database: database, kafka: kafka)
            try await database.client.execute(
                "INSERT INTO collector_offsets (group_id, topic, partition, next_offset) VALUES (\(configuration.groupID), \(topic), 0, 1000)")
            try await withTestMetrics(metrics) {
                try await withCollectors([Collector(configuration: configuration, logger: testLogger)]) {
                    let stored = try await eventually(timeout: .seconds(60)) { try await Self.handled(database, group: configuration.groupID) == 30 }
                    #expect(stored, "the new log's records were skipped")
                }
            }
            #expect(try await database.totals() == StoredTotals(expecting: samples))
            #expect(metrics.counterTotal(label: "collector_offsets_ahead_of_log_total") == 1)
        }
    }

    @Test func twoThenThreeInstancesShareThePartitionsWithExactTotals() async throws {
        let kafka = try TestKafka()
        let topic = try await kafka.makeTopic("collector-group", partitions: 6)
        let published = Locked<[SampleEvent]>([])
        @Sendable func publishRound(_ count: Int) async throws {
            let events = sampleEvents(.tiktok, count: count)
            try await kafka.publish(events, to: topic)
            published.withLock { $0 += events }
        }
        let (first, second, third) = (TestMetrics(), TestMetrics(), TestMetrics())
        try await TestDatabase.with { database in
            let configuration = collectorConfiguration(source: .tiktok, topic: topic, database: database, kafka: kafka)
            func collector() -> Collector { Collector(configuration: configuration, logger: testLogger) }
            func handledAll() async throws -> Bool {
                try await Self.handled(database, group: configuration.groupID) == published.value.count
            }
            try await withTestMetrics(first) {
                try await withCollectors([collector()]) {
                    try await publishRound(1_000)
                    #expect(try await eventually(handledAll))
                    try await withTestMetrics(second) {
                        try await withCollectors([collector()]) {
                            // A stream while the second member joins, until it has stored some of it.
                            #expect(try await eventually {
                                try await publishRound(200)
                                return second.counterTotal(label: "collector_events_processed_total") > 0
                            })
                            try await withTestMetrics(third) {
                                try await withCollectors([collector()]) {
                                    #expect(try await eventually {
                                        try await publishRound(200)
                                        return third.counterTotal(label: "collector_events_processed_total") > 0
                                    })
                                    try await publishRound(500)
                                    #expect(try await eventually(handledAll))
                                }
                            }
                            // Back to two members: the third one's partitions move on.
                            try await publishRound(500)
                            #expect(try await eventually(handledAll))
                        }
                    }
                }
            }
            let events = published.value
            #expect(try await database.totals() == StoredTotals(expecting: events))
            let stored = [first, second, third].map { $0.counterTotal(label: "collector_events_processed_total") }
            #expect(stored.reduce(0, +) == Int64(events.count), "each event stored by exactly one member: \(stored)")
            #expect(stored.allSatisfy { $0 > 0 })
        }
    }

    @Test func theCollectorRecoversByItselfWhenPostgreSQLComesBack() async throws {
        let kafka = try TestKafka()
        let topic = try await kafka.makeTopic("collector-outage")
        let server = try await PrivatePostgres.start()
        do {
            let client = PostgresClient(configuration: .init(url: server.url, maximumConnections: 2), logger: testLogger)
            let database = TestDatabase(url: server.url, client: client)
            let configuration = collectorConfiguration(source: .facebook, topic: topic, database: database, kafka: kafka)
            let collector = Collector(configuration: configuration, logger: testLogger)
            let before = sampleEvents(.facebook, count: 500)
            let during = sampleEvents(.facebook, count: 500)
            try await withCollectors([collector]) {
                try await kafka.publish(before, to: topic)
                #expect(try await eventually { try await database.totals().raw == 500 })
                #expect(collector.isReady)

                try await server.stopServer()
                try await kafka.publish(during, to: topic)
                // The collector notices when it next tries to write.
                #expect(try await eventually(timeout: .seconds(60)) { !collector.isReady })
                // Down for a while, not just a blip: several retries fail meanwhile (the backoff tops at 1 s).
                try await Task.sleep(for: .seconds(4))
                #expect(!collector.isReady)
                try await server.startServer()

                #expect(try await eventually { try await Self.handled(database, group: configuration.groupID) == 1_000 })
                // Ready once the write that stored them has returned (its commit is seen a moment before).
                #expect(try await eventually(timeout: .seconds(10)) { collector.isReady })
            }
            let totals = try await database.totals()
            #expect(totals == StoredTotals(expecting: before + during))
            await client.close()
        } catch {
            await server.destroy()
            throw error
        }
        await server.destroy()
    }
}
