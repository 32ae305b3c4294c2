import EventModel
import UserActivity
public import Foundation
public import Postgres

/// Reads the reports from the aggregate tables the collectors keep, and the ragged edges of a range that
/// does not fall on the aggregates' buckets from the raw events of those edges only, with every client value
/// a bind parameter. Each method is one statement, so that an answer is read from one snapshot.
public struct ReportStore: Sendable {
    public let client: PostgresClient
    /// Rows per batch of the cursors over a ragged range's edge events (a quarter of it for user histories):
    /// the memory of a distinct-user report over large edges is two batches (one read while the other is used).
    public let batchRows: Int

    /// A few megabytes of edge events.
    public static let defaultBatchRows = 32_768

    public init(client: PostgresClient, batchRows: Int = defaultBatchRows) {
        self.client = client
        self.batchRows = batchRows
    }

    /// `/reports/events`: the event count of the range and, with `groupBy`, per group.
    public func eventCounts(_ parameters: ReportParameters) async throws -> GroupedReport<Int> {
        let key = switch parameters.groupBy {
        case .hour: #"to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00:00"Z"')"#
        case .day: "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        case .source: "source"
        case .eventType: "event_type"
        case .funnelStage: "funnel_stage"
        case .campaignId, nil: "NULL::text"
        }
        let range = parameters.range
        // ROLLUP adds the total as the row where grouping(key) is 1, also when no row matched. The filters
        // are pushed down into both arms of the UNION ALL.
        let rows = try await client.query("""
            SELECT key, grouping(key) AS is_total, coalesce(sum(events), 0)::bigint AS count
            FROM (
                SELECT \(unescaped: key) AS key, events FROM (
                    SELECT hour AS at, source, funnel_stage, event_type, events FROM event_counts_hourly
                    WHERE hour >= \(range.whole.lowerBound) AND hour < \(range.whole.upperBound)
                    UNION ALL
                    SELECT occurred_at, source, funnel_stage, event_type, 1 FROM events WHERE \(edgesOf: range)
                ) counted
                WHERE (\(parameters.source?.rawValue)::text IS NULL OR source = \(parameters.source?.rawValue))
                  AND (\(parameters.funnelStage?.rawValue)::text IS NULL OR funnel_stage = \(parameters.funnelStage?.rawValue))
                  AND (\(parameters.eventType)::text IS NULL OR event_type = \(parameters.eventType))
            ) matching
            GROUP BY ROLLUP (key) ORDER BY is_total DESC, key NULLS LAST
            """)
        return try GroupedReport(rows: rows, grouped: parameters.groupBy != nil) { try $0.decode(Int.self, column: "count") }
    }

    /// `/reports/revenue`: exact revenue (PostgreSQL `numeric` as text) and purchase count of the
    /// range and, with `groupBy`, per group.
    public func revenue(_ parameters: ReportParameters) async throws -> GroupedReport<Revenue> {
        let key = switch parameters.groupBy {
        case .day: "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        case .source: "source"
        case .campaignId: "campaign_id"
        case .hour, .eventType, .funnelStage, nil: "NULL::text"
        }
        let range = parameters.range
        let rows = try await client.query("""
            SELECT key, grouping(key) AS is_total, coalesce(sum(revenue), 0)::text AS revenue,
                   coalesce(sum(purchases), 0)::bigint AS purchases
            FROM (
                SELECT \(unescaped: key) AS key, revenue, purchases FROM (
                    SELECT hour AS at, source, campaign_id, revenue, purchases FROM revenue_hourly
                    WHERE hour >= \(range.whole.lowerBound) AND hour < \(range.whole.upperBound)
                    UNION ALL
                    SELECT occurred_at, source, campaign_id, amount, 1 FROM events WHERE amount IS NOT NULL AND \(edgesOf: range)
                ) counted
                WHERE (\(parameters.source?.rawValue)::text IS NULL OR source = \(parameters.source?.rawValue))
                  AND (\(parameters.campaignId)::text IS NULL OR campaign_id = \(parameters.campaignId))
            ) matching
            GROUP BY ROLLUP (key) ORDER BY is_total DESC, key NULLS LAST
            """)
        return try GroupedReport(rows: rows, grouped: parameters.groupBy != nil) {
            Revenue(amount: try $0.decode(String.self, column: "revenue"), purchases: try $0.decode(Int.self, column: "purchases"))
        }
    }

    /// `/stats/dau`: distinct users (source, user id) per UTC day that had activity, in the segment: for
    /// whole days the day's user counters of the segment's dimension (a `source` segment is the `users`
    /// dimension of that source), for the days the range covers in part the users of its events that day.
    public func dailyActiveUsers(_ parameters: ReportParameters) async throws -> [ReportGroup<Int>] {
        let (dimension, value, source) = switch parameters.segment?.field {
        case nil: ("users", "", nil as String?)
        case .source?: ("users", "", parameters.segment?.value)
        case let field?: (field.rawValue, parameters.segment?.value ?? "", nil)
        }
        let range = parameters.range
        let rows = try await withSnapshot { connection in
            try await connection.query("""
                SELECT day::text AS date, sum(users)::bigint AS users
                FROM user_value_counts
                WHERE dimension = \(dimension) AND value = \(value) AND (\(source)::text IS NULL OR source = \(source))
                  AND day >= \(range.wholeFirstDay)::date AND day < \(range.wholeEndDay)::date
                GROUP BY day HAVING sum(users) > 0
                UNION ALL
                -- Each edge lies in one day. DISTINCT rows, then a count: hashed, about three times faster than
                -- count(DISTINCT (source, user_id)).
                SELECT CASE WHEN in_tail THEN \(range.tailDay.map { ReportParameters.dayText($0.lowerBound) })::text
                            ELSE \(range.headDay.map { ReportParameters.dayText($0.lowerBound) })::text END, count(*)
                FROM (
                    SELECT DISTINCT occurred_at >= \(range.tail?.lowerBound) AS in_tail, source, user_id FROM events
                    WHERE \(edgesOf: range) AND \(unescaped: Self.segmentColumn(parameters.segment)) IS NOT DISTINCT FROM \(parameters.segment?.value)
                ) AS edge_users
                GROUP BY in_tail
                ORDER BY 1
                """)
        }
        return try rows.map { ReportGroup(key: try $0.decode(String.self, column: "date"), value: try $0.decode(Int.self, column: "users")) }
    }

    /// `/stats/top-events`: the most frequent event types in the segment, most frequent first (ties by name).
    /// Whole hours from the hourly counts unless the segment needs the daily ones
    /// (``ReportRoute/granularity(segment:)``).
    public func topEvents(_ parameters: ReportParameters) async throws -> [ReportGroup<Int>] {
        let range = parameters.range
        let granularity = ReportRoute.topEvents.granularity(segment: parameters.segment)
        // Fixed SQL chosen by the segment's parsed field; the hourly counts have no country or device.
        let (table, fields) = granularity == .hour
            ? ("event_counts_hourly", "NULL::text AS country, NULL::text AS device")
            : ("event_counts_daily", "country, device")
        let rows = try await client.query("""
            SELECT event_type, sum(events)::bigint AS count
            FROM (
                SELECT source, event_type, \(unescaped: fields), events FROM \(unescaped: table)
                WHERE \(wholeBucketsOf: range, granularity: granularity)
                UNION ALL
                SELECT source, event_type, country, device, 1 FROM events WHERE \(edgesOf: range)
            ) counted
            WHERE \(unescaped: Self.segmentColumn(parameters.segment)) IS NOT DISTINCT FROM \(parameters.segment?.value)
            GROUP BY event_type ORDER BY count DESC, event_type LIMIT \(parameters.limit)
            """)
        return try rows.map { ReportGroup(key: try $0.decode(String.self, column: "event_type"), value: try $0.decode(Int.self, column: "count")) }
    }

    /// `/reports/funnel`: users and events at the top and bottom stage, and the share of top users
    /// who also reached the bottom, in percent with one decimal.
    public func funnel(_ parameters: ReportParameters) async throws -> Funnel {
        let source = parameters.source?.rawValue
        // Every social event has a stage, app events none: the funnel's users are the social sources'.
        let sources: [EventSource] = [.facebook, .tiktok].filter { parameters.source == nil || parameters.source == $0 }
        let range = parameters.range
        return try await withSnapshot { connection in
            let users = try await activeUsers(in: range, dimensions: [.stage, .users], sources: sources, on: connection)
            func total(_ dimension: UserDimension) -> Int {
                users.reduce(0) { $0 + ($1.key.dimension == dimension ? $1.value : 0) }
            }
            let row = try await connection.query("""
                SELECT coalesce(sum(events) FILTER (WHERE funnel_stage = 'top'), 0)::bigint AS top_events,
                       coalesce(sum(events) FILTER (WHERE funnel_stage = 'bottom'), 0)::bigint AS bottom_events
                FROM (
                    SELECT source, funnel_stage, events FROM event_counts_daily
                    WHERE day >= \(range.wholeFirstDay)::date AND day < \(range.wholeEndDay)::date
                    UNION ALL
                    SELECT source, funnel_stage, 1 FROM events WHERE \(edgesOf: range)
                ) counted
                WHERE \(source)::text IS NULL OR source = \(source)
                """)[0]
            let topUsers = total(UserDimension(name: "stage", value: FunnelStage.top.rawValue))
            let bottomUsers = total(UserDimension(name: "stage", value: FunnelStage.bottom.rawValue))
            return Funnel(
                topUsers: topUsers,
                bottomUsers: bottomUsers,
                topEvents: try row.decode(Int.self, column: "top_events"),
                bottomEvents: try row.decode(Int.self, column: "bottom_events"),
                // Users with both stages: top + bottom - users with either (the social sources' users).
                convertedUsers: topUsers + bottomUsers - total(.user))
        }
    }

    /// `/reports/demographics`: distinct users active in the range per source and per value of each
    /// demographic field (Facebook: age bucket, gender, country, city; TikTok: follower bucket, device,
    /// country; app: country, device).
    public func demographics(_ parameters: ReportParameters) async throws -> [DemographicCount] {
        let sources: [EventSource] = EventSource.allCases.filter { parameters.source == nil || parameters.source == $0 }
        let users = try await withSnapshot { connection in
            try await activeUsers(in: parameters.range, dimensions: [.users, .age, .gender, .country, .city, .followers, .device],
                                  sources: sources, on: connection)
        }
        return users.compactMap { key, users in
            guard users > 0 else { return nil }
            return DemographicCount(
                source: key.source, dimension: key.dimension.name,
                key: key.dimension.value.isEmpty ? nil : key.dimension.value, users: users)
        }
    }

    /// The distinct users active in day-bucketed `range` per source and value of each of `dimensions`, for
    /// `sources` (README, Reports).
    ///
    /// The users of whole days are read from the counters (each user counts on their first day in them).
    /// The ragged edges are read from the raw events of their days, and ``EdgeUsers`` decides which of
    /// their users change the counters' sum, looking up the stored histories of those users only, by key,
    /// and only when the range has whole days. Histories are read in Swift (``UserHistory``), where reading
    /// one costs microseconds; SQL's JSON functions took ~100 µs each.
    private func activeUsers(
        in range: ReportRange, dimensions: [CountedDimension], sources: [EventSource], on connection: PostgresConnection
    ) async throws -> [EdgeUsers.CountKey: Int] {
        let dimensionList = PostgresTextArray(dimensions.map(\.rawValue))
        let sourceList = PostgresTextArray(sources.map(\.rawValue))
        let mode: EdgeUsers.Mode = range.edgeUsersFromComplement ? .takenAway : .added
        let (firstDay, endDay) = mode == .takenAway ? (range.firstTouchedDay, range.endTouchedDay) : (range.wholeFirstDay, range.wholeEndDay)
        var users: [EdgeUsers.CountKey: Int] = [:]
        for row in try await connection.query("""
            SELECT source, dimension, value, sum(users)::bigint AS users FROM user_value_counts
            WHERE dimension = ANY(\(dimensionList)::text[]) AND source = ANY(\(sourceList)::text[])
              AND day >= \(firstDay)::date AND day < \(endDay)::date AND previous_day < \(firstDay)::date
            GROUP BY 1, 2, 3
            """) {
            let key = EdgeUsers.CountKey(
                source: try row.decode(String.self, column: 0),
                dimension: UserDimension(name: try row.decode(String.self, column: 1), value: try row.decode(String.self, column: 2)))
            users[key] = try row.decode(Int.self, column: 3)
        }
        guard !range.isWhole else { return users }

        let columns = dimensions.compactMap { dimension in dimension.eventColumn.map { (name: dimension.rawValue, sql: $0) } }
        let countsUsers = dimensions.contains(.users)
        var edges = EdgeUsers(mode: mode)
        // The edges' events and the users' histories are read through cursors, a batch at a time (the next
        // one read while this one is grouped), so that millions of events cost the memory of two batches;
        // between batches the task yields, so that the
        // cooperative pool's few threads keep serving other requests (and a cancelled request stops).
        try await connection.forEachBatch(of: """
            SELECT source, user_id, occurred_at >= \(range.bounds.lowerBound) AND occurred_at < \(range.bounds.upperBound) AS inside
                   \(unescaped: columns.map { ", " + $0.sql }.joined())
            FROM events WHERE \(edgesOf: range, wholeDays: mode == .takenAway) AND source = ANY(\(sourceList)::text[])
            """, rows: batchRows) { rows in
            for row in rows {
                // Texts, not generic decodes, in this loop over every event of the edges.
                var values: [UserDimension] = countsUsers ? [.user] : []
                for (index, column) in columns.enumerated() {
                    if let value = try row.text(column: 3 + index) {
                        values.append(UserDimension(name: column.name, value: value))
                    }
                }
                edges.add(source: try row.text(column: 0) ?? "", user: try row.text(column: 1) ?? "",
                          inside: try row.text(column: 2) == "t", dimensions: values)
            }
            await Task.yield()
            try Task.checkCancellation()
        }

        var unread = edges.candidates
        if !range.whole.isEmpty, !unread.isEmpty {
            let keys = Array(unread.keys)
            try await connection.forEachBatch(of: """
                SELECT source, user_id, history FROM user_histories
                WHERE (source, user_id) IN (SELECT * FROM unnest(\(PostgresTextArray(keys.map(\.source)))::text[],
                                                                 \(PostgresTextArray(keys.map(\.userId.string)))::text[]))
                """, rows: max(1, batchRows / 4)) { rows in
                for row in rows {
                    let user = UserKey(source: try row.text(column: 0) ?? "", userId: BytewiseString(try row.text(column: 1) ?? ""))
                    guard let values = unread.removeValue(forKey: user) else { continue }
                    try edges.addChanges(of: user, values: values, history: Array((try row.text(column: 2) ?? "").utf8),
                                         wholeDays: range.wholeDays, to: &users)
                }
                await Task.yield()
                try Task.checkCancellation()
            }
        }
        for (user, values) in unread {
            try edges.addChanges(of: user, values: values, history: nil, wholeDays: range.wholeDays, to: &users)
        }
        return users
    }

    /// Runs a distinct-user report's statements in a read-only transaction that sees one snapshot, so that a
    /// report made of several statements is as consistent as one statement, with `work_mem` raised to
    /// ``distinctUserWorkMemory`` for it.
    private func withSnapshot<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await client.withTransaction { connection in
            try await connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try await connection.execute("SELECT set_config('work_mem', \(Self.distinctUserWorkMemory), true)")
            return try await body(connection)
        }
    }

    /// `work_mem` of the distinct-user reports: the users of a day's edge hashed in memory rather than
    /// spilled to disk (PostgreSQL's default of 4 MB; DAU over large edges at 10M events took 2.6 s with it
    /// and 0.8 s with 64 MB). The reporter lets only `distinctUserQueries` of them run at once.
    private static let distinctUserWorkMemory = "64MB"

    /// The time up to which every collector group has stored what Kafka held: the earliest completeness
    /// mark of all partitions in `collector_offsets` (the collectors' `CompletenessMarks`); nil while any
    /// partition has none yet, or no collector has stored anything. Read before a report, so that the report
    /// read after it is at least that complete.
    public func dataAsOf() async throws -> Date? {
        try await client.query("""
            SELECT CASE WHEN count(*) = count(complete_through) THEN min(complete_through) END AS as_of FROM collector_offsets
            """)[0].decode(Date?.self, column: "as_of")
    }

    /// `/stats/retention`: each cohort week from `startWeek` to the last week with data, its size and
    /// how many of its users were active in each of the `windows` weeks after it.
    public func retention(_ parameters: RetentionParameters) async throws -> [Cohort] {
        let rows = try await client.query("""
            WITH start AS (
                SELECT (\(parameters.startWeek)::timestamptz AT TIME ZONE 'UTC')::date AS week
            ), weeks AS (
                SELECT generate_series((SELECT week FROM start), (SELECT max(week) FROM cohort_activity WHERE users > 0),
                                       interval '7 days')::date AS week
            )
            SELECT weeks.week::text AS cohort_week, coalesce((c.week - c.cohort_week) / 7, 0) AS later,
                   coalesce(c.users, 0)::bigint AS users
            FROM weeks LEFT JOIN cohort_activity c
              ON c.cohort_week = weeks.week AND c.week <= weeks.week + 7 * \(parameters.windows)
            ORDER BY 1, 2
            """)
        var cohorts: [Cohort] = []
        for row in rows {
            let week = try row.decode(String.self, column: "cohort_week")
            if cohorts.last?.week != week {
                cohorts.append(Cohort(week: week, size: 0, returning: Array(repeating: 0, count: parameters.windows)))
            }
            let later = try row.decode(Int.self, column: "later")
            let users = try row.decode(Int.self, column: "users")
            if later == 0 { cohorts[cohorts.count - 1].size = users } else { cohorts[cohorts.count - 1].returning[later - 1] = users }
        }
        return cohorts
    }

    /// The column a segment filters on; without a segment a constant NULL, which `IS NOT DISTINCT FROM`
    /// a NULL bind keeps every row. Fixed SQL chosen by the parsed field, never client text.
    private static func segmentColumn(_ segment: Segment?) -> String {
        segment?.field.column ?? "NULL::text"
    }
}

/// A report's total and, when grouped, its groups in key order (the group of events without the
/// grouped field last, keyed nil).
public struct GroupedReport<Value: Sendable & Hashable>: Sendable, Hashable {
    public var total: Value
    public var groups: [ReportGroup<Value>]

    /// From rows with `key`, `is_total` (1 for the ROLLUP's total row, which comes first) and the value.
    init(rows: PostgresRows, grouped: Bool, value: (PostgresRow) throws -> Value) throws {
        guard let first = rows.first, try first.decode(Int.self, column: "is_total") == 1 else {
            throw MissingTotalRow()
        }
        total = try value(first)
        groups = grouped
            ? try rows.dropFirst().map { ReportGroup(key: try $0.decode(String?.self, column: "key"), value: try value($0)) }
            : []
    }
}

/// One row of a report: the group's key (nil when the report is not grouped, or for events without
/// the grouped field) and its value.
public struct ReportGroup<Value: Sendable & Hashable>: Sendable, Hashable {
    public var key: String?
    public var value: Value
}

/// Revenue of a group: the exact sum as PostgreSQL prints it, and the number of purchases.
public struct Revenue: Sendable, Hashable {
    public var amount: String
    public var purchases: Int
}

/// Distinct users of a source with one value of a demographic `dimension` (`age`, `gender`, `country`,
/// `city`, `followers`, `device`; `users` with a nil key for all the source's active users). A nil key
/// otherwise counts users whose events do not carry the field.
public struct DemographicCount: Sendable, Hashable {
    public var source: String
    public var dimension: String
    public var key: String?
    public var users: Int
}

/// A weekly cohort: the users whose first event was in `week` (a Monday, `YYYY-MM-DD`), and how many
/// of them were active 1, 2, … weeks later (0 for weeks that have not happened in the data).
public struct Cohort: Sendable, Hashable {
    public var week: String
    public var size: Int
    public var returning: [Int]

    /// The share of the cohort active `later` weeks after it, in percent rounded half up to one
    /// decimal, computed in integers so that it is exact.
    public func percentage(later: Int) -> Double {
        guard size > 0 else { return 0 }
        let tenths = (2_000 * returning[later - 1] + size) / (2 * size)
        return Double(tenths) / 10
    }
}

/// The funnel of a range.
public struct Funnel: Sendable, Hashable {
    public var topUsers: Int
    public var bottomUsers: Int
    public var topEvents: Int
    public var bottomEvents: Int
    /// Percent with one decimal, rounded half up.
    public var conversionRate: String

    /// A funnel whose `convertedUsers` of its `topUsers` reached the bottom stage too.
    init(topUsers: Int, bottomUsers: Int, topEvents: Int, bottomEvents: Int, convertedUsers: Int) {
        self.topUsers = topUsers
        self.bottomUsers = bottomUsers
        self.topEvents = topEvents
        self.bottomEvents = bottomEvents
        // In integers, so that it is exact: tenths of a percent, rounded half up.
        let tenths = topUsers == 0 ? 0 : (2_000 * convertedUsers + topUsers) / (2 * topUsers)
        conversionRate = "\(tenths / 10).\(tenths % 10)"
    }
}

/// A report query answered without its ROLLUP total row: a bug in the query, not bad input.
struct MissingTotalRow: Error, CustomStringConvertible {
    var description: String { "a report query returned no total row" }
}
