@testable import Collector
import EventModel
import Foundation
import Kafka
import Postgres
import TestInfrastructure
import Testing

/// `collector_offsets.complete_through`: the collectors mark up to when they have stored what Kafka held,
/// which the reporter answers as `data_as_of`.
@Suite struct CompletenessMarksTests {
    /// Whether each of the group's `partitions` has stored offsets and is marked complete through `time` or later.
    static func completeThrough(_ database: TestDatabase, group: String, partitions: Int, isAtLeast time: Date) async throws -> Bool {
        let earliest = try await database.client.query("""
            SELECT CASE WHEN count(*) = \(partitions) AND count(complete_through) = \(partitions) THEN min(complete_through) END AS t
            FROM collector_offsets WHERE group_id = \(group)
            """)[0].decode(Date?.self, column: "t")
        return earliest.map { $0 >= time } ?? false
    }

    @Test func aCollectorMarksItsPartitionsCompleteThroughWhatItStored() async throws {
        let kafka = try TestKafka()
        let topic = try await kafka.makeTopic("collector-complete", partitions: 2)
        let samples = sampleEvents(.tiktok, count: 300)
        try await kafka.publish(samples, to: topic)
        let published = Date()
        try await TestDatabase.with { database in
            let configuration = collectorConfiguration(source: .tiktok, topic: topic, database: database, kafka: kafka)
            let group = configuration.groupID
            try await withCollectors([Collector(configuration: configuration, logger: testLogger)]) {
                // Everything published before `published` is stored once every partition is marked past it.
                let marked = try await eventually { try await Self.completeThrough(database, group: group, partitions: 2, isAtLeast: published) }
                #expect(marked)
                let handled = try await CollectorIntegrationTests.handled(database, group: group)
                #expect(handled == 300)

                // Idle partitions keep moving forward: the member has all the broker holds.
                let idleSince = Date()
                let markedWhileIdle = try await eventually { try await Self.completeThrough(database, group: group, partitions: 2, isAtLeast: idleSince) }
                #expect(markedWhileIdle)
            }
        }
    }

    /// An empty poll was taken for "the member has everything": records on their way in a fetch, or in a
    /// partition not fetched yet, were covered before they were stored.
    @Test func anIdlePartitionIsMarkedOnlyWhereItsLogEndsAtTheStoredOffset() async throws {
        let kafka = try TestKafka()
        let topic = try await kafka.makeTopic("collector-caught-up", partitions: 1)
        try await kafka.publish(sampleEvents(.tiktok, count: 10), to: topic)
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        try await TestDatabase.with { database in
            let group = TestEnvironment.uniqueName("caught-up")
            try await database.client.execute("""
                INSERT INTO collector_offsets (group_id, topic, partition, next_offset) VALUES (\(group), \(topic), 0, 9)
                """)
            let probe = try KafkaLogEndProbe(configuration: KafkaConfiguration(brokers: kafka.brokers), logger: testLogger)
            let marks = CompletenessMarks(client: database.client, groupID: group, logEnds: probe)

            // The tenth record is not stored: no mark, whatever the time.
            try await marks.markCaughtUp(storedOffsets: [partition: 9], asOf: Date())
            #expect(try await !Self.completeThrough(database, group: group, partitions: 1, isAtLeast: .distantPast))

            // All ten stored: complete through the time given (timestamptz keeps microseconds).
            try await database.client.execute("UPDATE collector_offsets SET next_offset = 10 WHERE group_id = \(group)")
            let asOf = Date()
            try await marks.markCaughtUp(storedOffsets: [partition: 10], asOf: asOf)
            #expect(try await Self.completeThrough(database, group: group, partitions: 1, isAtLeast: asOf.addingTimeInterval(-0.001)))
        }
    }
}
