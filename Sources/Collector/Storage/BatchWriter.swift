public import Kafka
import EventModel
import UserActivity
public import Postgres

/// Stores batches of consumed events and the consumer group's progress, all or nothing.
///
/// One ``write(_:through:)`` is one transaction: it locks the group's offset rows of the batch's partitions,
/// skips events below the offsets already stored (so a batch read twice, by a zombie instance or after a
/// crash, is stored once), adds the rest's (source, event id) keys to `event_keys` and leaves out those
/// already there, `COPY`s the fresh events into `events`, adds the batch's days to its users' histories
/// (``UserHistory``), adds the fresh events and the users' counter changes to the aggregates, and moves
/// the stored offsets forward. A crash at any point leaves either all of it or none.
///
/// Aggregate rows are upserted in key order, so concurrent writers (other partitions, other instances)
/// lock shared rows in the same order and wait for each other instead of deadlocking.
public struct BatchWriter: Sendable {
    /// The consumer group whose offsets the writer stores with the data.
    public let groupID: String
    private let client: PostgresClient
    private let partitions: EventPartitions

    /// A writer for `groupID`'s batches, creating raw-event partitions through `partitions`.
    public init(client: PostgresClient, groupID: String, partitions: EventPartitions) {
        self.client = client
        self.groupID = groupID
        self.partitions = partitions
    }

    /// Stores `events` and records `nextOffsets`, the next offset to read of every partition the batch
    /// covers (records sent to the dead-letter topic included), in one transaction.
    ///
    /// - Throws: ``PostgresError``; nothing of the batch is stored then. See ``StorageFailure`` for which
    ///   errors are worth a retry and which point at an event that cannot be stored.
    public func write(_ events: [ConsumedEvent], through nextOffsets: [KafkaTopicPartition: Int64]) async throws -> BatchWriteResult {
        var days = Set<Int64>()
        for event in events {
            days.insert(UTCCalendar.day(ofMicroseconds: event.event.occurredAt))
        }
        try await partitions.ensure(days: days)
        // Built before the transaction, so the transaction holds its locks only while the database works;
        // rebuilt inside it in the rare case that part of the batch turns out to be stored already.
        var batch = StagedBatch(events)
        do {
            return try await client.withTransaction { connection in
                let stored = try await lockOffsets(Array(nextOffsets.keys), on: connection)
                let unstored = events.filter { $0.offset >= stored[$0.partition] ?? 0 }
                if unstored.count != events.count {
                    batch = StagedBatch(unstored)
                }
                if batch.rowCount > 0 {
                    try await connection.executeScript(Self.createStaging)
                    try await connection.copyFrom("COPY collector_keys (source, event_id) FROM STDIN", data: batch.keys)
                    let storedBefore = try await storeKeys(on: connection)
                    if !storedBefore.isEmpty {
                        batch = StagedBatch(unstored, excluding: storedBefore)
                    }
                }
                if batch.rowCount > 0 {
                    try await connection.copyFrom(Self.copyEvents, data: batch.rawRows)
                    try await connection.copyFrom(Self.copyFresh, data: batch.aggregateRows)
                    try await stageUserCounters(batch.activity(), on: connection)
                    // Last, as the other writers of the source update the same aggregate rows: they wait for
                    // this transaction from here to its commit only.
                    try await connection.execute(Self.addToAggregates)
                }
                try await saveOffsets(nextOffsets, on: connection)
                return BatchWriteResult(
                    inserted: batch.rowCount,
                    duplicates: batch.storedBefore + batch.repeatedInBatch,
                    alreadyStored: events.count - unstored.count
                )
            }
        } catch let error as PostgresError where StorageFailure(error) == .missingPartition {
            partitions.forget()
            throw error
        }
    }

    /// The next offsets the group has stored for `partitions` of `topic`; partitions without any are absent.
    public func storedOffsets(topic: String, partitions: [Int32]) async throws -> [KafkaTopicPartition: Int64] {
        let rows = try await client.query("""
            SELECT partition, next_offset FROM collector_offsets
            WHERE group_id = \(groupID) AND topic = \(topic) AND partition = ANY(\(Self.arrayText(partitions))::integer[])
            """)
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for row in rows {
            let partition = try row.decode(Int32.self, column: "partition")
            offsets[KafkaTopicPartition(topic: topic, partition: partition)] = try row.decode(Int64.self, column: "next_offset")
        }
        return offsets
    }

    /// The next offsets the group has stored for `partitions`, of any topics; partitions without any are absent.
    func storedOffsets(of partitions: some Sequence<KafkaTopicPartition>) async throws -> [KafkaTopicPartition: Int64] {
        var stored: [KafkaTopicPartition: Int64] = [:]
        for (topic, partitions) in Dictionary(grouping: partitions, by: \.topic) {
            stored.merge(try await storedOffsets(topic: topic, partitions: partitions.map(\.partition))) { $1 }
        }
        return stored
    }

    /// Moves the stored next offset of each partition back to the start of its log (`logs`, first and
    /// next offset) where it still lies past the log's end; returns the offsets moved. A writer that stored
    /// progress in the new log meanwhile keeps it.
    public func rewind(_ logs: [KafkaTopicPartition: ClosedRange<Int64>]) async throws -> [KafkaTopicPartition: Int64] {
        var rewound: [KafkaTopicPartition: Int64] = [:]
        for (topic, entries) in Dictionary(grouping: logs, by: \.key.topic) {
            let sorted = entries.sorted { $0.key.partition < $1.key.partition }
            let rows = try await client.query("""
                UPDATE collector_offsets AS o SET next_offset = v.log_start, updated_at = now()
                FROM unnest(\(Self.arrayText(sorted.map(\.key.partition)))::integer[],
                            \(Self.arrayText(sorted.map(\.value.lowerBound)))::bigint[],
                            \(Self.arrayText(sorted.map(\.value.upperBound)))::bigint[]) AS v(partition, log_start, log_end)
                WHERE o.group_id = \(groupID) AND o.topic = \(topic) AND o.partition = v.partition AND o.next_offset > v.log_end
                RETURNING o.partition, o.next_offset
                """)
            for row in rows {
                let partition = try row.decode(Int32.self, column: "partition")
                rewound[KafkaTopicPartition(topic: topic, partition: partition)] = try row.decode(Int64.self, column: "next_offset")
            }
        }
        return rewound
    }

    // MARK: Distinct users

    /// Adds the staged keys (`collector_keys`) to `event_keys` and returns those that were there already:
    /// their events are duplicates. A key that a concurrent writer is adding waits for its transaction.
    private func storeKeys(on connection: PostgresConnection) async throws -> Set<StagedBatch.EventKey> {
        var storedBefore = Set<StagedBatch.EventKey>()
        for row in try await connection.query(Self.storeKeys) {
            storedBefore.insert(.init(
                source: try row.decode(String.self, column: "source"),
                eventId: BytewiseString(try row.decode(String.self, column: "event_id"))))
        }
        return storedBefore
    }

    /// Adds the batch's user activity to the users' histories and stages their changes to the distinct-user
    /// counters for ``addToAggregates``. The stored histories of the batch's users are locked first, in key order, so that even
    /// two writers with the same user (the key is the user id, so only after partitions were added) apply
    /// their days one after the other; a user that another writer created meanwhile fails the batch, which
    /// is then retried.
    private func stageUserCounters(_ activity: [UserKey: [(UserDimension, Int64)]], on connection: PostgresConnection) async throws {
        var changes = UserCounterChanges()
        var updated = PostgresCopyBuffer(reservingCapacity: activity.count * 256)
        var stored = Set<UserKey>(minimumCapacity: activity.count)
        for row in try await connection.query(Self.lockHistories) {
            let key = UserKey(
                source: try row.decode(String.self, column: "source"),
                userId: BytewiseString(try row.decode(String.self, column: "user_id")))
            stored.insert(key)
            guard let days = activity[key] else { continue }
            let json = Array(try row.decode(String.self, column: "history").utf8)
            var history = try UserHistory(json: json, reading: Set(days.lazy.map(\.0)))
            if history.record(days, source: key.source, into: &changes) {
                updated.appendRow([key.source, key.userId.string, history.json, false])
            }
        }
        var created = 0
        for (key, days) in activity where !stored.contains(key) {
            var history = UserHistory()
            _ = history.record(days, source: key.source, into: &changes)
            updated.appendRow([key.source, key.userId.string, history.json, true])
            created += 1
        }
        guard !updated.isEmpty else { return }
        try await connection.copyFrom("COPY collector_histories (source, user_id, history, created) FROM STDIN", data: updated)
        try await connection.execute(Self.updateHistories)
        if created > 0, try await connection.execute(Self.insertHistories) != created {
            throw PostgresError(code: .queryFailed, sqlState: "40001",
                                message: "another writer stored a new user of this batch meanwhile; the batch is retried")
        }
        let counts = changes.userRows
        if !counts.isEmpty {
            try await connection.copyFrom(
                "COPY collector_user_counts (dimension, value, source, day, previous_day, users) FROM STDIN", data: counts)
        }
        let cohorts = changes.cohortRows
        if !cohorts.isEmpty {
            try await connection.copyFrom("COPY collector_cohorts (cohort_week, week, users) FROM STDIN", data: cohorts)
        }
    }

    // MARK: Offsets

    /// Creates missing offset rows and locks them all for the transaction, in partition order; returns the
    /// stored next offsets. A second writer of the same partitions waits here until this one commits.
    private func lockOffsets(_ partitions: [KafkaTopicPartition], on connection: PostgresConnection) async throws -> [KafkaTopicPartition: Int64] {
        var stored: [KafkaTopicPartition: Int64] = [:]
        for (topic, partitions) in Dictionary(grouping: partitions, by: \.topic).sorted(by: { $0.key < $1.key }) {
            let rows = try await connection.query("""
                INSERT INTO collector_offsets AS o (group_id, topic, partition, next_offset)
                SELECT \(groupID), \(topic), p, 0 FROM unnest(\(Self.arrayText(partitions.map(\.partition)))::integer[]) AS p
                ORDER BY p
                ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = o.next_offset
                RETURNING partition, next_offset
                """)
            for row in rows {
                let partition = try row.decode(Int32.self, column: "partition")
                stored[KafkaTopicPartition(topic: topic, partition: partition)] = try row.decode(Int64.self, column: "next_offset")
            }
        }
        return stored
    }

    private func saveOffsets(_ nextOffsets: [KafkaTopicPartition: Int64], on connection: PostgresConnection) async throws {
        for (topic, entries) in Dictionary(grouping: nextOffsets, by: \.key.topic) {
            let sorted = entries.sorted { $0.key.partition < $1.key.partition }
            try await connection.execute("""
                UPDATE collector_offsets AS o
                SET next_offset = GREATEST(o.next_offset, v.next_offset), updated_at = now()
                FROM unnest(\(Self.arrayText(sorted.map(\.key.partition)))::integer[],
                            \(Self.arrayText(sorted.map(\.value)))::bigint[]) AS v(partition, next_offset)
                WHERE o.group_id = \(groupID) AND o.topic = \(topic) AND o.partition = v.partition
                """)
        }
    }

    /// `{1,2,3}`: an array literal of integers, bound as one text parameter and cast in SQL.
    static func arrayText(_ values: [some BinaryInteger]) -> String {
        "{" + values.map { String($0) }.joined(separator: ",") + "}"
    }

    // MARK: SQL

    /// The batch's keys and the users and aggregated columns of its fresh events (hour and day computed in Swift,
    /// ``UTCCalendar``), and the users' new histories and counter changes. Temporary, so unlogged and
    /// private to the connection; emptied at every commit.
    static let createStaging = """
        CREATE TEMP TABLE IF NOT EXISTS collector_keys (source text, event_id text) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS collector_fresh (
            source text, user_id text, event_type text, funnel_stage text, hour timestamptz, day date,
            country text, device text, campaign_id text, amount numeric
        ) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS collector_histories (source text, user_id text, history text, created boolean)
            ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS collector_user_counts (
            dimension text, value text, source text, day date, previous_day date, users bigint
        ) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS collector_cohorts (cohort_week date, week date, users bigint) ON COMMIT DELETE ROWS;
        """

    /// Inserts the staged keys in key order (so concurrent writers lock them in the same order) and
    /// answers those that were stored before: usually none, so nothing comes back.
    static let storeKeys: PostgresQuery = """
        WITH new_keys AS (
            INSERT INTO event_keys (source, event_id)
            SELECT source, event_id FROM collector_keys ORDER BY source, event_id
            ON CONFLICT DO NOTHING
            RETURNING source, event_id
        )
        SELECT k.source, k.event_id FROM collector_keys k
        WHERE NOT EXISTS (SELECT FROM new_keys n WHERE n.source = k.source AND n.event_id = k.event_id)
        """

    static let copyEvents = """
        COPY events (source, event_id, event_type, funnel_stage, occurred_at, user_id, amount, country, city, \
        device, age, gender, followers, campaign_id, payload) FROM STDIN
        """

    static let copyFresh = """
        COPY collector_fresh (source, user_id, event_type, funnel_stage, hour, day, country, device, campaign_id, amount) FROM STDIN
        """

    /// Adds the fresh events and the staged user counter changes to the aggregates, each in key order.
    static let addToAggregates: PostgresQuery = """
        WITH hourly AS (
            INSERT INTO event_counts_hourly AS t (hour, source, event_type, funnel_stage, events)
            SELECT hour, source, event_type, funnel_stage, count(*) FROM collector_fresh
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            ON CONFLICT (hour, source, event_type, funnel_stage) DO UPDATE SET events = t.events + EXCLUDED.events
        ), daily AS (
            INSERT INTO event_counts_daily AS t (day, source, event_type, funnel_stage, country, device, events)
            SELECT day, source, event_type, funnel_stage, country, device, count(*) FROM collector_fresh
            GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
            ON CONFLICT (day, source, event_type, funnel_stage, country, device)
            DO UPDATE SET events = t.events + EXCLUDED.events
        ), revenue AS (
            INSERT INTO revenue_hourly AS t (hour, source, campaign_id, revenue, purchases)
            SELECT hour, source, campaign_id, sum(amount), count(*) FROM collector_fresh WHERE amount IS NOT NULL
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (hour, source, campaign_id)
            DO UPDATE SET revenue = t.revenue + EXCLUDED.revenue, purchases = t.purchases + EXCLUDED.purchases
        ), user_counts AS (
            INSERT INTO user_value_counts AS t (dimension, value, source, day, previous_day, users)
            SELECT dimension, value, source, day, previous_day, users FROM collector_user_counts ORDER BY 1, 2, 3, 4, 5
            ON CONFLICT (dimension, value, source, day, previous_day) DO UPDATE SET users = t.users + EXCLUDED.users
        )
        INSERT INTO cohort_activity AS t (cohort_week, week, users)
        SELECT cohort_week, week, users FROM collector_cohorts ORDER BY 1, 2
        ON CONFLICT (cohort_week, week) DO UPDATE SET users = t.users + EXCLUDED.users
        """

    /// The stored histories of the users of the batch's fresh events, locked for the transaction in key order.
    static let lockHistories: PostgresQuery = """
        SELECT h.source, h.user_id, h.history
        FROM user_histories h JOIN (SELECT DISTINCT source, user_id FROM collector_fresh) b USING (source, user_id)
        ORDER BY 1, 2 FOR UPDATE OF h
        """

    static let updateHistories: PostgresQuery = """
        UPDATE user_histories AS h SET history = b.history FROM collector_histories b
        WHERE NOT b.created AND h.source = b.source AND h.user_id = b.user_id
        """

    static let insertHistories: PostgresQuery = """
        INSERT INTO user_histories (source, user_id, history)
        SELECT source, user_id, history FROM collector_histories WHERE created ORDER BY 1, 2
        ON CONFLICT DO NOTHING
        """
}
