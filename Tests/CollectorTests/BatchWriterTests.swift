@testable import Collector
import EventModel
import Foundation
import Kafka
import LoadGenerator
import Postgres
import TestInfrastructure
import Testing

/// The SQL path of the collector, without Kafka: batches in, rows and aggregates out.
@Suite struct BatchWriterTests {
    func writer(_ database: TestDatabase, group: String = "collector-test") -> BatchWriter {
        BatchWriter(client: database.client, groupID: group, partitions: EventPartitions(client: database.client, logger: testLogger))
    }

    @Test func redeliveredAndRepublishedEventsAreStoredAndCountedOnce() async throws {
        try await TestDatabase.with { database in
            let writer = writer(database)
            let samples = sampleEvents(.facebook, count: 300)
            let batch = try consumed(samples)

            let first = try await writer.write(batch, through: nextOffsets(batch))
            #expect(first == BatchWriteResult(inserted: 300, duplicates: 0, alreadyStored: 0))
            // Kafka delivers the same records again (same offsets): skipped by offset.
            let redelivered = try await writer.write(batch, through: nextOffsets(batch))
            #expect(redelivered == BatchWriteResult(inserted: 0, duplicates: 0, alreadyStored: 300))
            // A client publishes the same events again (new offsets): skipped by (source, event id).
            let republished = try consumed(samples, firstOffset: 300)
            let again = try await writer.write(republished, through: nextOffsets(republished))
            #expect(again == BatchWriteResult(inserted: 0, duplicates: 300, alreadyStored: 0))
            // Repeats inside one batch count as duplicates too.
            let repeated = try consumed(Array(samples.prefix(2)) + Array(samples.prefix(2)), firstOffset: 600)
            #expect(try await writer.write(repeated, through: nextOffsets(repeated)) == BatchWriteResult(inserted: 0, duplicates: 4))

            #expect(try await database.totals() == StoredTotals(expecting: samples))
            let stored = try await writer.storedOffsets(topic: "events.test", partitions: [0, 1])
            #expect(stored == [KafkaTopicPartition(topic: "events.test", partition: 0): 604])
        }
    }

    @Test func aBatchIsAllOrNothing() async throws {
        try await TestDatabase.with { database in
            let writer = writer(database)
            var batch = try consumed(sampleEvents(.facebook, count: 50))
            // An amount the validator would never let through: PostgreSQL's numeric input rejects it.
            batch[25].event.amount = "12x"
            do {
                _ = try await writer.write(batch, through: nextOffsets(batch))
                Issue.record("the batch should have been rejected")
            } catch let error as PostgresError {
                #expect(StorageFailure(error) == .rejectedData)
            }
            #expect(try await database.totals() == StoredTotals(raw: 0, keys: 0, counted: 0, revenue: 0, purchases: 0))
            #expect(try await writer.storedOffsets(topic: "events.test", partitions: [0]).isEmpty)

            batch.remove(at: 25)
            let result = try await writer.write(batch, through: nextOffsets(batch))
            #expect(result.inserted == 49)
        }
    }

    @Test func concurrentWritersOfOnePartitionStoreOverlappingRecordsOnce() async throws {
        try await TestDatabase.with { database in
            let samples = sampleEvents(.tiktok, count: 900)
            let all = try consumed(samples)
            // A zombie instance and the partition's new owner write overlapping ranges at the same time.
            // Both start at the partition's stored offset (0): a new owner resumes there, so no writer's
            // range ever starts above the stored offset with a gap below it (the writer skips records
            // below the stored offset, which relies on that). Whichever commits first, each event is
            // stored once.
            let early = Array(all[0..<600])
            let late = Array(all[0..<900])
            let results = try await withThrowingTaskGroup(of: BatchWriteResult.self) { group in
                for range in [early, late] {
                    group.addTask { try await writer(database).write(range, through: nextOffsets(range)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.map(\.inserted).reduce(0, +) == 900)
            #expect(try await database.totals() == StoredTotals(expecting: samples))
        }
    }

    @Test func aggregatesEqualWhatSQLOverTheRawEventsSays() async throws {
        try await TestDatabase.with { database in
            let writer = writer(database)
            // Several weeks, repeat users, purchases, all three sources.
            let samples = sampleEvents(.facebook, count: 2_500, users: 150, days: 45)
                + sampleEvents(.tiktok, count: 2_500, users: 150, days: 45)
                + sampleEvents(.app, count: 2_500, users: 150, days: 45)
            var events = try consumed(samples.shuffled())
            // Some of it published twice.
            events += try consumed(Array(samples.prefix(400)), firstOffset: Int64(events.count))
            for start in stride(from: 0, to: events.count, by: 700) {
                let batch = Array(events[start..<min(start + 700, events.count)])
                _ = try await writer.write(batch, through: nextOffsets(batch))
            }
            #expect(try await database.totals() == StoredTotals(expecting: samples))

            try await expectAggregatesMatchRawEvents(database)
            // The data set spans several ISO weeks, and users come back in later weeks.
            let weeks = try await database.client.query("""
                SELECT count(DISTINCT week) AS weeks, coalesce(sum(users) FILTER (WHERE week > cohort_week), 0) AS returns
                FROM cohort_activity
                """)
            #expect(try weeks[0].decode(Int.self, column: "weeks") >= 6)
            #expect(try weeks[0].decode(Int.self, column: "returns") > 0)
        }
    }

    @Test func writersSharingUsersKeepTheUserCountersExact() async throws {
        try await TestDatabase.with { database in
            // Two partitions with the same users at once, as after partitions were added to a topic: both
            // writers meet each batch's users for the first time together. A writer that finds a user
            // created by the other meanwhile has its batch retried, so no history is overwritten.
            let day = UTCCalendar.day(year: 2025, month: 3, day: 10)
            func batch(_ index: Int, partition: Int32) -> [ConsumedEvent] {
                (0..<50).map { user in
                    ConsumedEvent(
                        event: EventRecord(source: .app, eventId: "e\(index)-\(user)-\(partition)", eventType: "page_view",
                                           funnelStage: nil, occurredAt: (day + Int64(partition) * 3) * 86_400_000_000,
                                           userId: "u\(index)-\(user)", amount: "1.50", byteRange: 0..<2),
                        payload: Array("{}".utf8), partition: KafkaTopicPartition(topic: "events.test", partition: partition),
                        offset: Int64(index * 50 + user))
                }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for partition in [0, 1] as [Int32] {
                    group.addTask {
                        for index in 0..<20 {
                            let events = batch(index, partition: partition)
                            while true {
                                do {
                                    _ = try await writer(database).write(events, through: nextOffsets(events))
                                    break
                                } catch let error as PostgresError where error.sqlState == "40001" {
                                    continue
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let stored = try await database.client.query("SELECT count(*) AS n FROM events")
            #expect(try stored[0].decode(Int.self, column: "n") == 2_000)
            try await expectAggregatesMatchRawEvents(database)
        }
    }

    /// Compares every aggregate table with the same figures computed from `events`.
    func expectAggregatesMatchRawEvents(_ database: TestDatabase) async throws {
        for (table, aggregate, derived) in Self.aggregateChecks {
            let mismatches = try await database.client.query("""
                SELECT count(*) AS n FROM (
                    (\(unescaped: aggregate) EXCEPT \(unescaped: derived))
                    UNION ALL
                    (\(unescaped: derived) EXCEPT \(unescaped: aggregate))
                ) AS difference
                """)
            #expect(try mismatches[0].decode(Int.self, column: "n") == 0, "\(table) differs from the raw events")
            let rows = try await database.client.query("SELECT count(*) AS n FROM \(identifier: table)")
            #expect(try rows[0].decode(Int.self, column: "n") > 0, "\(table) is empty")
        }
    }

    /// Each aggregate table next to the same figures computed from `events`.
    static let aggregateChecks: [(String, String, String)] = [
        ("event_counts_hourly",
         "SELECT hour, source, event_type, funnel_stage, events FROM event_counts_hourly",
         """
         SELECT date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', source, event_type, funnel_stage, count(*)
         FROM events GROUP BY 1, 2, 3, 4
         """),
        ("event_counts_daily",
         "SELECT day, source, event_type, funnel_stage, country, device, events FROM event_counts_daily",
         """
         SELECT (occurred_at AT TIME ZONE 'UTC')::date, source, event_type, funnel_stage, country, device, count(*)
         FROM events GROUP BY 1, 2, 3, 4, 5, 6
         """),
        ("revenue_hourly",
         "SELECT hour, source, campaign_id, revenue, purchases FROM revenue_hourly",
         """
         SELECT date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', source, campaign_id, sum(amount), count(*)
         FROM events WHERE amount IS NOT NULL GROUP BY 1, 2, 3
         """),
        ("user_histories",
         "SELECT source, user_id FROM user_histories",
         "SELECT DISTINCT source, user_id FROM events"),
        ("user_value_counts",
         "SELECT dimension, value, source, day, previous_day, users FROM user_value_counts WHERE users <> 0",
         """
         SELECT dimension, value, source, day, previous_day, count(*) FROM (
             SELECT dimension, value, source, day,
                    coalesce(lag(day) OVER (PARTITION BY dimension, value, source, user_id ORDER BY day), '-infinity') AS previous_day
             FROM (SELECT DISTINCT * FROM (\(userValueDays)) AS all_days) AS days
         ) AS spans GROUP BY 1, 2, 3, 4, 5
         """),
        ("cohort_activity",
         "SELECT cohort_week, week, users FROM cohort_activity WHERE users <> 0",
         """
         SELECT c.cohort, w.week, count(*)
         FROM (SELECT source, user_id, min(date_trunc('week', occurred_at AT TIME ZONE 'UTC'))::date AS cohort FROM events GROUP BY 1, 2) c
         JOIN (SELECT DISTINCT source, user_id, date_trunc('week', occurred_at AT TIME ZONE 'UTC')::date AS week FROM events) w
         USING (source, user_id)
         GROUP BY 1, 2
         """),
    ]

    /// Every (dimension, value, source, user, day) the raw events show, written out independently of the
    /// migration's `user_dimensions`.
    static let userValueDays = """
        SELECT d.dimension, d.value, e.source, e.user_id, (e.occurred_at AT TIME ZONE 'UTC')::date AS day
        FROM events e CROSS JOIN LATERAL (VALUES
            ('users', ''), ('event_type', e.event_type), ('stage', e.funnel_stage), ('country', e.country), ('device', e.device),
            ('city', e.city), ('gender', e.gender),
            ('age', CASE WHEN e.age IS NULL THEN NULL WHEN e.age < 13 THEN 'under-13' WHEN e.age < 18 THEN '13-17'
                         WHEN e.age < 25 THEN '18-24' WHEN e.age < 35 THEN '25-34' WHEN e.age < 45 THEN '35-44'
                         WHEN e.age < 55 THEN '45-54' WHEN e.age < 65 THEN '55-64' ELSE '65+' END),
            ('followers', CASE WHEN e.followers IS NULL THEN NULL WHEN e.followers < 1000 THEN '0-999'
                               WHEN e.followers < 10000 THEN '1k-10k' WHEN e.followers < 100000 THEN '10k-100k'
                               WHEN e.followers < 1000000 THEN '100k-1M' ELSE '1M+' END)
        ) AS d(dimension, value)
        WHERE d.value IS NOT NULL
        """

    @Test func partitionsAreCreatedOnDemandAndDroppedAfterRetention() async throws {
        try await TestDatabase.with { database in
            let partitions = EventPartitions(client: database.client, logger: testLogger)
            let writer = BatchWriter(client: database.client, groupID: "collector-test", partitions: partitions)
            let today = UTCCalendar.day(year: 2025, month: 6, day: 30)
            var batch: [ConsumedEvent] = []
            for (index, age) in [40, 11, 10, 3].enumerated() {
                let record = EventRecord(
                    source: .app, eventId: "evt-\(index)", eventType: "page_view", funnelStage: nil,
                    occurredAt: (today - Int64(age)) * 86_400_000_000 + 1, userId: "u1", byteRange: 0..<2
                )
                batch.append(ConsumedEvent(
                    event: record, payload: Array("{}".utf8), partition: KafkaTopicPartition(topic: "t", partition: 0), offset: Int64(index)
                ))
            }
            #expect(try await writer.write(batch, through: nextOffsets(batch)).inserted == 4)

            let dropped = try await partitions.maintain(today: today, ahead: 2, retentionDays: 10)
            #expect(dropped.sorted() == [EventPartitions.name(ofDay: today - 40), EventPartitions.name(ofDay: today - 11)])
            let left = try await database.client.query("SELECT count(*) AS n FROM events")
            #expect(try left[0].decode(Int.self, column: "n") == 2)
            let ahead = try await database.client.query("SELECT to_regclass(\(EventPartitions.name(ofDay: today + 2))) IS NOT NULL AS present")
            #expect(try ahead[0].decode(Bool.self, column: "present"))

            // A late event for a dropped day gets its partition again (retention drops it at the next upkeep).
            let late = [ConsumedEvent(
                event: EventRecord(
                    source: .app, eventId: "evt-late", eventType: "page_view", funnelStage: nil,
                    occurredAt: (today - 40) * 86_400_000_000, userId: "u2", byteRange: 0..<2
                ),
                payload: Array("{}".utf8), partition: KafkaTopicPartition(topic: "t", partition: 0), offset: 4
            )]
            #expect(try await writer.write(late, through: nextOffsets(late)).inserted == 1)
        }
    }

    /// A product event as the collector reads it at `offset`.
    private func productEvent(id: String, user: String, at time: String, offset: Int64) throws -> ConsumedEvent {
        let json = Array(#"{"event_id":"\#(id)","occurred_at":"\#(time)","user_id":"\#(user)","event_type":"page_view"}"#.utf8)
        return ConsumedEvent(
            event: try EventRecord(decoding: json, format: .product), payload: json,
            partition: KafkaTopicPartition(topic: "events.test", partition: 0), offset: offset)
    }

    /// Users counted per day in `user_value_counts` (dimension `users`), and the UTF-8 ids of the users with
    /// a history (bytes: a `Set<String>` would merge canonically equivalent ids).
    private func activeUsers(_ database: TestDatabase) async throws -> (days: [String: Int], users: Set<[UInt8]>) {
        var days: [String: Int] = [:]
        for row in try await database.client.query(
            "SELECT day::text AS day, sum(users)::bigint AS n FROM user_value_counts WHERE dimension = 'users' GROUP BY day") {
            let count = try row.decode(Int.self, column: "n")
            if count != 0 { days[try row.decode(String.self, column: "day")] = count }
        }
        var users = Set<[UInt8]>()
        for row in try await database.client.query("SELECT user_id FROM user_histories") {
            users.insert(Array(try row.decode(String.self, column: "user_id").utf8))
        }
        return (days, users)
    }

    /// A resent event with another time or user is a duplicate: it was counted as activity of that user on
    /// that day (DAU, demographics, funnel and retention changed), because histories were built from every
    /// staged event rather than the newly stored ones.
    @Test func aDuplicateWithAnotherTimeOrUserChangesNoDistinctUserCount() async throws {
        try await TestDatabase.with { database in
            let writer = writer(database)
            let id = "5b0c3c1e-8d0e-4a43-9a51-0d8c1e0f6a01"
            let original = [try productEvent(id: id, user: "user-a", at: "2025-01-10T10:00:00Z", offset: 0)]
            #expect(try await writer.write(original, through: nextOffsets(original)).inserted == 1)
            let resent = [
                try productEvent(id: id, user: "user-b", at: "2025-01-20T10:00:00Z", offset: 1),
                try productEvent(id: "5b0c3c1e-8d0e-4a43-9a51-0d8c1e0f6a02", user: "user-c", at: "2025-01-21T10:00:00Z", offset: 2),
            ]
            #expect(try await writer.write(resent, through: nextOffsets(resent)) == BatchWriteResult(inserted: 1, duplicates: 1))
            let active = try await activeUsers(database)
            #expect(active.days == ["2025-01-10": 1, "2025-01-21": 1])
            #expect(active.users == [Array("user-a".utf8), Array("user-c".utf8)])
        }
    }

    /// Two users whose ids are canonically equivalent but not the same bytes ("café" precomposed and
    /// decomposed) are two users to PostgreSQL; Swift's String equality merged them into one history.
    @Test func userIdsAreComparedByteForByte() async throws {
        try await TestDatabase.with { database in
            let writer = writer(database)
            let batch = [
                try productEvent(id: "5b0c3c1e-8d0e-4a43-9a51-0d8c1e0f6a11", user: "caf\u{e9}", at: "2025-01-10T10:00:00Z", offset: 0),
                try productEvent(id: "5b0c3c1e-8d0e-4a43-9a51-0d8c1e0f6a12", user: "cafe\u{301}", at: "2025-01-10T11:00:00Z", offset: 1),
            ]
            #expect(try await writer.write(batch, through: nextOffsets(batch)).inserted == 2)
            let active = try await activeUsers(database)
            #expect(active.days == ["2025-01-10": 2])
            #expect(active.users == [Array("caf\u{e9}".utf8), Array("cafe\u{301}".utf8)])
        }
    }

    /// Partitions for 4,500 days in one transaction held ~4 locks each until it ended: more than the
    /// server's whole lock table (200 connections x 64), so the batch failed with SQLSTATE 53200 on every
    /// retry (and so did other sessions meanwhile). Retention dropped them the same way.
    @Test func partitionsOfThousandsOfDaysAreMadeAndDroppedInChunks() async throws {
        try await TestDatabase.with { database in
            let partitions = EventPartitions(client: database.client, logger: testLogger)
            let first = UTCCalendar.day(year: 2000, month: 1, day: 1)
            try await partitions.ensure(days: Set(first..<first + 4_500))
            let count = { () async throws -> Int in
                try await database.client.query(
                    "SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'events'::regclass")[0].decode(Int.self, column: "n")
            }
            #expect(try await count() == 4_500)
            let dropped = try await partitions.maintain(today: first + 4_500, ahead: 0, retentionDays: 0)
            #expect(dropped.count == 4_500)
            #expect(try await count() == 1, "only today's partition is left")
        }
    }
}
