import Collector
import EventModel
import Foundation
import Postgres
import TestInfrastructure
import Testing

/// `collector_offsets.complete_through`: the collectors mark up to when they have stored what Kafka held,
/// which the reporter answers as `data_as_of`.
@Suite struct CompletenessMarksTests {
    /// Whether every partition of the group is marked complete through `time` or later.
    static func completeThrough(_ database: TestDatabase, group: String, isAtLeast time: Date) async throws -> Bool {
        let earliest = try await database.client.query("""
            SELECT CASE WHEN count(*) = count(complete_through) THEN min(complete_through) END AS t
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
                let marked = try await eventually { try await Self.completeThrough(database, group: group, isAtLeast: published) }
                #expect(marked)
                let handled = try await CollectorIntegrationTests.handled(database, group: group)
                #expect(handled == 300)

                // Idle partitions keep moving forward: the member has all the broker holds.
                let idleSince = Date()
                let markedWhileIdle = try await eventually { try await Self.completeThrough(database, group: group, isAtLeast: idleSince) }
                #expect(markedWhileIdle)
            }
        }
    }
}
