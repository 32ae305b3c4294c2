import Foundation
import HummingbirdTesting
import Hummingbird
import Postgres
import Prometheus
@testable import Reporter
import Testing

/// Every implemented route, against a generated data set stored by the collector's `BatchWriter`:
/// each answer must equal the same figure computed by SQL directly over the raw `events` table.
@Suite(.serialized) struct ReportRoutesTests {
    struct KeyCount: Decodable, Hashable { var key: String?; var count: Int }
    struct EventsBody: Decodable, Hashable { var total: Int; var groups: [KeyCount]? }
    struct RevenueGroup: Decodable, Hashable { var key: String?; var revenue: String; var purchases: Int }
    struct RevenueBody: Decodable, Hashable { var total_revenue: String; var purchases: Int; var groups: [RevenueGroup]? }
    struct DailyUsers: Decodable, Hashable { var date: String; var unique_users: Int }
    struct EventTypeCount: Decodable, Hashable { var event_type: String; var count: Int }
    struct Stage: Decodable, Hashable { var users: Int; var events: Int }
    struct FunnelBody: Decodable, Hashable { var top: Stage; var bottom: Stage; var conversion_rate: Double }
    struct Share: Decodable, Hashable { var key: String; var users: Int }
    struct FacebookBody: Decodable, Hashable { var users: Int; var age: [Share]; var gender: [Share]; var top_countries: [Share]; var top_cities: [Share] }
    struct TikTokBody: Decodable, Hashable { var users: Int; var followers: [Share]; var device: [Share]; var top_countries: [Share] }
    struct AppBody: Decodable, Hashable { var users: Int; var top_countries: [Share]; var top_devices: [Share] }
    struct DemographicsBody: Decodable, Hashable { var facebook: FacebookBody?; var tiktok: TikTokBody?; var app: AppBody? }

    /// Distinct users of `source` in the range per value of `key` (SQL over `events`), ordered by `order`
    /// (where `KEY` stands for the key expression).
    func shares(_ db: PostgresClient, _ source: String, _ key: String, _ from: Date, _ to: Date, order: String, limit: Int = 1_000) async throws -> [Share] {
        try await db.query("""
            SELECT \(unescaped: key) AS key, count(DISTINCT user_id) AS n FROM events
            WHERE occurred_at >= \(from) AND occurred_at < \(to) AND source = \(source) AND \(unescaped: key) IS NOT NULL
            GROUP BY 1 ORDER BY \(unescaped: order.replacingOccurrences(of: "KEY", with: key)) LIMIT \(limit)
            """).map { Share(key: try $0.decode(String.self, column: "key"), users: try $0.decode(Int.self, column: "n")) }
    }

    static let ageBucket = """
        CASE WHEN age < 13 THEN 'under-13' WHEN age <= 17 THEN '13-17' WHEN age <= 24 THEN '18-24' WHEN age <= 34 THEN '25-34'
             WHEN age <= 44 THEN '35-44' WHEN age <= 54 THEN '45-54' WHEN age <= 64 THEN '55-64' WHEN age IS NOT NULL THEN '65+' END
        """
    static let followerBucket = """
        CASE WHEN followers < 1000 THEN '0-999' WHEN followers < 10000 THEN '1k-10k' WHEN followers < 100000 THEN '10k-100k'
             WHEN followers < 1000000 THEN '100k-1M' WHEN followers IS NOT NULL THEN '1M+' END
        """

    /// Ranges that do not fall on the aggregates' hours or days: inside one hour, across midnight with
    /// offsets (`%2B` is a percent-encoded `+`), over day and week boundaries (Friday afternoon to Tuesday
    /// morning around Monday 2025-12-15), a ragged start with an inclusive bare date as end, and edges that
    /// are most of their days (the distinct-user reports read those from the complement). The data
    /// set's repeat users are active on their edges and on the whole days between (checked below).
    static let raggedRanges: [(from: String, to: String, sqlFrom: String, sqlTo: String)] = [
        ("2025-12-10T10:05:17Z", "2025-12-10T10:47:03Z", "2025-12-10T10:05:17Z", "2025-12-10T10:47:03Z"),
        ("2025-12-09T22:30:00%2B02:00", "2025-12-10T01:15:09-05:00", "2025-12-09T20:30:00Z", "2025-12-10T06:15:09Z"),
        ("2025-12-12T13:20:00Z", "2025-12-16T09:40:30Z", "2025-12-12T13:20:00Z", "2025-12-16T09:40:30Z"),
        ("2025-12-03T07:13:00Z", "2025-12-20", "2025-12-03T07:13:00Z", "2025-12-21T00:00:00Z"),
        ("2025-12-05T03:00:00Z", "2025-12-18T21:30:00Z", "2025-12-05T03:00:00Z", "2025-12-18T21:30:00Z"),
    ]
    /// The whole data set, a range on whole hours starting and ending inside it (date-times and an
    /// inclusive bare date), an empty range, one that ends before it starts (empty too: no OpenAPI
    /// document can say "from before to", so it is not a 400), and the ragged ranges.
    static let ranges: [(from: String, to: String, sqlFrom: String, sqlTo: String)] = [
        ("2025-11-01", "2026-01-31", "2025-11-01T00:00:00Z", "2026-02-01T00:00:00Z"),
        ("2025-12-03T07:00:00Z", "2025-12-20", "2025-12-03T07:00:00Z", "2025-12-21T00:00:00Z"),
        ("2024-01-01", "2024-01-02", "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z"),
        ("2025-12-20", "2025-12-03", "2025-12-20T00:00:00Z", "2025-12-04T00:00:00Z"),
    ] + raggedRanges
    static let dayRanges: [(from: String, to: String, sqlFrom: String, sqlTo: String)] = [
        ("2025-11-01", "2026-01-31", "2025-11-01T00:00:00Z", "2026-02-01T00:00:00Z"),
        ("2025-12-03T00:00:00Z", "2025-12-20", "2025-12-03T00:00:00Z", "2025-12-21T00:00:00Z"),
        ("2025-12-20", "2025-12-03", "2025-12-20T00:00:00Z", "2025-12-04T00:00:00Z"),
    ] + raggedRanges

    func get<Body: Decodable>(_ client: some TestClientProtocol, _ uri: String, as type: Body.Type) async throws -> Body {
        let response = try await client.execute(uri: uri, method: .get)
        let bytes = Data(response.body.readableBytesView)
        #expect(response.status == .ok, "\(uri): \(String(decoding: bytes, as: UTF8.self))")
        return try JSONDecoder().decode(Body.self, from: bytes)
    }

    func pairs(_ client: PostgresClient, _ query: PostgresQuery) async throws -> [KeyCount] {
        try await client.query(query).map { KeyCount(key: try $0.decode(String?.self, column: "key"), count: try $0.decode(Int.self, column: "n")) }
    }

    func withApp(_ body: @escaping @Sendable (ReportTestDatabase, any TestClientProtocol) async throws -> Void) async throws {
        try await ReportTestDatabase.with { database in
            let registry = PrometheusCollectorRegistry()
            // Small cursor batches, so that a ragged range's edge events and user histories arrive in many.
            let router = makeRouter(
                client: database.reader, registry: registry,
                metrics: ReporterMetrics(factory: PrometheusMetricsFactory(registry: registry)), batchRows: 64)
            let app = Application(router: router, logger: testLogger)
            try await app.test(.router) { client in try await body(database, client) }
        }
    }

    @Test func reportsEqualSQLOverTheRawEvents() async throws {
        try await withApp { database, client in
            let db = database.client
            let aRow = try await db.query("""
                SELECT (SELECT event_type FROM events WHERE funnel_stage = 'bottom' LIMIT 1) AS event_type,
                       (SELECT campaign_id FROM events WHERE amount IS NOT NULL AND campaign_id IS NOT NULL LIMIT 1) AS campaign
                """)[0]
            let eventType = try aRow.decode(String.self, column: "event_type")
            let campaign = try aRow.decode(String.self, column: "campaign")
            let keys: [String: String] = [
                "hour": #"to_char(date_trunc('hour', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:00:00"Z"')"#,
                "day": "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
                "source": "source", "eventType": "event_type", "funnelStage": "funnel_stage", "campaignId": "campaign_id",
            ]

            for range in Self.ranges {
                let from = try Date(range.sqlFrom, strategy: .iso8601)
                let to = try Date(range.sqlTo, strategy: .iso8601)
                let base = "from=\(range.from)&to=\(range.to)"

                // /reports/events: every groupBy, and each filter.
                let filters: [(query: String, source: String?, stage: String?, type: String?)] = [
                    ("", nil, nil, nil), ("&source=app", "app", nil, nil), ("&source=tiktok&funnelStage=bottom", "tiktok", "bottom", nil),
                    ("&eventType=\(eventType)", nil, nil, eventType),
                ]
                for filter in filters {
                    let condition: PostgresQuery = """
                        SELECT count(*) AS n FROM events WHERE occurred_at >= \(from) AND occurred_at < \(to)
                          AND (\(filter.source)::text IS NULL OR source = \(filter.source))
                          AND (\(filter.stage)::text IS NULL OR funnel_stage = \(filter.stage))
                          AND (\(filter.type)::text IS NULL OR event_type = \(filter.type))
                        """
                    let total = try await db.query(condition)[0].decode(Int.self, column: "n")
                    if range.from == Self.ranges[0].from, filter.query.isEmpty { #expect(total == 3 * (ReportTestDatabase.eventsPerSource + ReportTestDatabase.burstPerSource)) }
                    let plain = try await get(client, "/reports/events?\(base)\(filter.query)", as: EventsBody.self)
                    #expect(plain == EventsBody(total: total, groups: nil), "events \(base)\(filter.query)")
                    for grouping in ["hour", "day", "source", "eventType", "funnelStage"] {
                        let expected = try await pairs(db, """
                            SELECT \(unescaped: keys[grouping]!) AS key, count(*) AS n FROM events
                            WHERE occurred_at >= \(from) AND occurred_at < \(to)
                              AND (\(filter.source)::text IS NULL OR source = \(filter.source))
                              AND (\(filter.stage)::text IS NULL OR funnel_stage = \(filter.stage))
                              AND (\(filter.type)::text IS NULL OR event_type = \(filter.type))
                            GROUP BY 1 ORDER BY 1 NULLS LAST
                            """)
                        let uri = "/reports/events?\(base)\(filter.query)&groupBy=\(grouping)"
                        #expect(try await get(client, uri, as: EventsBody.self) == EventsBody(total: total, groups: expected), "\(uri)")
                    }
                }

                // /reports/revenue: every groupBy, and each filter.
                for filter in [("", nil), ("&source=facebook", "facebook"), ("&campaignId=\(campaign)", nil)] as [(String, String?)] {
                    let campaignFilter: String? = filter.0.hasPrefix("&campaignId") ? campaign : nil
                    for grouping in [nil, "day", "source", "campaignId"] as [String?] {
                        let rows = try await db.query("""
                            SELECT \(unescaped: grouping.map { keys[$0]! } ?? "NULL::text") AS key,
                                   sum(amount)::text AS revenue, count(*) AS n FROM events
                            WHERE amount IS NOT NULL AND occurred_at >= \(from) AND occurred_at < \(to)
                              AND (\(filter.1)::text IS NULL OR source = \(filter.1))
                              AND (\(campaignFilter)::text IS NULL OR campaign_id = \(campaignFilter))
                            GROUP BY 1 ORDER BY 1 NULLS LAST
                            """)
                        let total = try await db.query("""
                            SELECT coalesce(sum(amount), 0)::text AS revenue, count(*) AS n FROM events
                            WHERE amount IS NOT NULL AND occurred_at >= \(from) AND occurred_at < \(to)
                              AND (\(filter.1)::text IS NULL OR source = \(filter.1))
                              AND (\(campaignFilter)::text IS NULL OR campaign_id = \(campaignFilter))
                            """)[0]
                        let groups = try rows.map {
                            RevenueGroup(key: try $0.decode(String?.self, column: "key"), revenue: try $0.decode(String.self, column: "revenue"),
                                         purchases: try $0.decode(Int.self, column: "n"))
                        }
                        let expected = RevenueBody(
                            total_revenue: try total.decode(String.self, column: "revenue"),
                            purchases: try total.decode(Int.self, column: "n"),
                            groups: grouping == nil ? nil : groups)
                        let uri = "/reports/revenue?\(base)\(filter.0)" + (grouping.map { "&groupBy=\($0)" } ?? "")
                        #expect(try await get(client, uri, as: RevenueBody.self) == expected, "\(uri)")
                    }
                }
            }

            let segmentValues = try await db.query("""
                SELECT (SELECT country FROM events WHERE country IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) AS country,
                       (SELECT device FROM events WHERE device IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) AS device
                """)[0]
            let country = try segmentValues.decode(String.self, column: "country")
            let device = try segmentValues.decode(String.self, column: "device")
            let segments: [(query: String, column: String?, value: String?)] = [
                ("", nil, nil), ("&segment=source:app", "source", "app"), ("&segment=country:\(country)", "country", country),
                ("&segment=properties.device:\(device)", "device", device), ("&segment=event_type:\(eventType)", "event_type", eventType),
            ]
            for range in Self.dayRanges {
                let from = try Date(range.sqlFrom, strategy: .iso8601)
                let to = try Date(range.sqlTo, strategy: .iso8601)
                let base = "from=\(range.from)&to=\(range.to)"
                for segment in segments {
                    // /stats/dau
                    let dau = try await pairs(db, """
                        SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS key, count(DISTINCT (source, user_id)) AS n
                        FROM events WHERE occurred_at >= \(from) AND occurred_at < \(to)
                          AND \(unescaped: segment.column ?? "NULL::text") IS NOT DISTINCT FROM \(segment.value)
                        GROUP BY 1 ORDER BY 1
                        """)
                    let dauURI = "/stats/dau?\(base)\(segment.query)"
                    // A segment may have no event in a range of minutes; a day or more of the data set has some.
                    if from >= to {
                        #expect(dau.isEmpty, "\(dauURI)")
                    } else if segment.column == nil || to.timeIntervalSince(from) >= 86_400 {
                        #expect(!dau.isEmpty, "\(dauURI)")
                    }
                    #expect(try await get(client, dauURI, as: [DailyUsers].self) == dau.map { DailyUsers(date: $0.key!, unique_users: $0.count) }, "\(dauURI)")
                    let csv = try await client.execute(uri: dauURI, method: .get, headers: [.accept: "text/csv"])
                    #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
                    #expect(String(decoding: csv.body.readableBytesView, as: UTF8.self)
                        == (["date,unique_users"] + dau.map { "\($0.key!),\($0.count)" }).map { $0 + "\r\n" }.joined(), "\(dauURI) as CSV")

                    // /stats/top-events, default limit and a small one
                    for limit in [nil, 3] as [Int?] {
                        let top = try await pairs(db, """
                            SELECT event_type AS key, count(*) AS n
                            FROM events WHERE occurred_at >= \(from) AND occurred_at < \(to)
                              AND \(unescaped: segment.column ?? "NULL::text") IS NOT DISTINCT FROM \(segment.value)
                            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT \(limit ?? 10)
                            """)
                        let uri = "/stats/top-events?\(base)\(segment.query)" + (limit.map { "&limit=\($0)" } ?? "")
                        #expect(try await get(client, uri, as: [EventTypeCount].self) == top.map { EventTypeCount(event_type: $0.key!, count: $0.count) }, "\(uri)")
                    }
                }

                // /reports/funnel, all sources and each one
                for source in [nil, "facebook", "tiktok", "app"] as [String?] {
                    let row = try await db.query("""
                        WITH matching AS (
                            SELECT * FROM events WHERE occurred_at >= \(from) AND occurred_at < \(to)
                              AND (\(source)::text IS NULL OR source = \(source))
                        ), top AS (SELECT DISTINCT source, user_id FROM matching WHERE funnel_stage = 'top'),
                        bottom AS (SELECT DISTINCT source, user_id FROM matching WHERE funnel_stage = 'bottom')
                        SELECT (SELECT count(*) FROM top) AS top_users, (SELECT count(*) FROM bottom) AS bottom_users,
                               (SELECT count(*) FROM matching WHERE funnel_stage = 'top') AS top_events,
                               (SELECT count(*) FROM matching WHERE funnel_stage = 'bottom') AS bottom_events,
                               (SELECT count(*) FROM top JOIN bottom USING (source, user_id)) AS converted
                        """)[0]
                    let topUsers = try row.decode(Int.self, column: "top_users")
                    let converted = try row.decode(Int.self, column: "converted")
                    let rate = topUsers == 0 ? 0 : (Double(converted * 1000) / Double(topUsers)).rounded(.toNearestOrAwayFromZero) / 10
                    let expected = FunnelBody(
                        top: Stage(users: topUsers, events: try row.decode(Int.self, column: "top_events")),
                        bottom: Stage(users: try row.decode(Int.self, column: "bottom_users"), events: try row.decode(Int.self, column: "bottom_events")),
                        conversion_rate: rate)
                    let uri = "/reports/funnel?\(base)" + (source.map { "&source=\($0)" } ?? "")
                    #expect(try await get(client, uri, as: FunnelBody.self) == expected, "\(uri)")
                    if source == nil, to.timeIntervalSince(from) >= 86_400 { #expect(topUsers > 0 && converted > 0) }
                }
            }

            // /reports/demographics, both sources and each
            for range in Self.dayRanges {
                let from = try Date(range.sqlFrom, strategy: .iso8601)
                let to = try Date(range.sqlTo, strategy: .iso8601)
                func users(_ source: String) async throws -> Int {
                    try await db.query("""
                        SELECT count(DISTINCT user_id) AS n FROM events WHERE occurred_at >= \(from) AND occurred_at < \(to) AND source = \(source)
                        """)[0].decode(Int.self, column: "n")
                }
                let ageOrder = "array_position(ARRAY['under-13','13-17','18-24','25-34','35-44','45-54','55-64','65+'], \(Self.ageBucket))"
                let followerOrder = "array_position(ARRAY['0-999','1k-10k','10k-100k','100k-1M','1M+'], \(Self.followerBucket))"
                let facebook = FacebookBody(
                    users: try await users("facebook"),
                    age: try await shares(db, "facebook", Self.ageBucket, from, to, order: ageOrder),
                    gender: try await shares(db, "facebook", "gender", from, to, order: #"KEY COLLATE "C""#),
                    top_countries: try await shares(db, "facebook", "country", from, to, order: #"2 DESC, KEY COLLATE "C""#, limit: 10),
                    top_cities: try await shares(db, "facebook", "city", from, to, order: #"2 DESC, KEY COLLATE "C""#, limit: 10))
                let tiktok = TikTokBody(
                    users: try await users("tiktok"),
                    followers: try await shares(db, "tiktok", Self.followerBucket, from, to, order: followerOrder),
                    device: try await shares(db, "tiktok", "device", from, to, order: #"KEY COLLATE "C""#),
                    top_countries: try await shares(db, "tiktok", "country", from, to, order: #"2 DESC, KEY COLLATE "C""#, limit: 10))
                let app = AppBody(
                    users: try await users("app"),
                    top_countries: try await shares(db, "app", "country", from, to, order: #"2 DESC, KEY COLLATE "C""#, limit: 10),
                    top_devices: try await shares(db, "app", "device", from, to, order: #"2 DESC, KEY COLLATE "C""#, limit: 10))
                #expect(from >= to || facebook.users > 0 && tiktok.users > 0 && app.users > 0 && app.top_countries.count > 1 && app.top_devices.count > 1)
                let base = "/reports/demographics?from=\(range.from)&to=\(range.to)"
                #expect(try await get(client, base, as: DemographicsBody.self) == DemographicsBody(facebook: facebook, tiktok: tiktok, app: app), "\(base)")
                #expect(try await get(client, base + "&source=facebook", as: DemographicsBody.self) == DemographicsBody(facebook: facebook, tiktok: nil, app: nil))
                #expect(try await get(client, base + "&source=tiktok", as: DemographicsBody.self) == DemographicsBody(facebook: nil, tiktok: tiktok, app: nil))
                #expect(try await get(client, base + "&source=app", as: DemographicsBody.self) == DemographicsBody(facebook: nil, tiktok: nil, app: app), "\(base)&source=app")
            }

            // The ragged ranges with whole days inside have users active both on an edge and on a whole day:
            // adding the edges' users to the whole days' count instead of taking the union would count them twice.
            for range in Self.raggedRanges {
                let from = try Date(range.sqlFrom, strategy: .iso8601)
                let to = try Date(range.sqlTo, strategy: .iso8601)
                let split = ReportRange(from: from, to: to, bucketSeconds: 86_400)
                guard !split.whole.isEmpty else { continue }
                let repeated = try await db.query("""
                    SELECT count(*) AS n FROM (
                        SELECT DISTINCT source, user_id FROM events
                        WHERE occurred_at >= \(from) AND occurred_at < \(split.whole.lowerBound)
                           OR occurred_at >= \(split.whole.upperBound) AND occurred_at < \(to)
                        INTERSECT
                        SELECT DISTINCT source, user_id FROM events
                        WHERE occurred_at >= \(split.whole.lowerBound) AND occurred_at < \(split.whole.upperBound)
                    ) AS both_parts
                    """)[0].decode(Int.self, column: "n")
                #expect(repeated > 0, "\(range.from)..\(range.to): no user on both an edge and a whole day")
            }

            // /stats/retention from the first week with data and from a later one, several window counts
            let firstDay = try await db.query("SELECT min(occurred_at AT TIME ZONE 'UTC')::date::text AS day FROM events")[0].decode(String.self, column: "day")
            for (startDate, windows) in [(firstDay, 4), (firstDay, 1), ("2025-12-17", 8)] {
                let rows = try await db.query("""
                    WITH activity AS (
                        SELECT DISTINCT source, user_id, date_trunc('week', occurred_at AT TIME ZONE 'UTC')::date AS week FROM events
                    ), cohorts AS (
                        SELECT source, user_id, min(week) AS cohort FROM activity GROUP BY 1, 2
                    ), weeks AS (
                        SELECT generate_series(date_trunc('week', \(startDate)::date)::date, (SELECT max(week) FROM activity), interval '7 days')::date AS week
                    ), later AS (SELECT generate_series(1, \(windows)) AS k)
                    SELECT weeks.week::text AS cohort_week,
                           (SELECT count(*) FROM cohorts c WHERE c.cohort = weeks.week) AS size,
                           array_to_string(array(
                               SELECT coalesce(round(100.0 * count(a.user_id) / nullif((SELECT count(*) FROM cohorts c WHERE c.cohort = weeks.week), 0), 1), 0)::text
                               FROM later LEFT JOIN (cohorts c JOIN activity a USING (source, user_id))
                                 ON c.cohort = weeks.week AND a.week = weeks.week + 7 * later.k
                               GROUP BY later.k ORDER BY later.k), ',') AS percentages
                    FROM weeks ORDER BY 1
                    """)
                var expected: [[String: Double]] = []
                var expectedWeeks: [String] = []
                for row in rows {
                    var cohort = ["week_0": Double(try row.decode(Int.self, column: "size"))]
                    for (index, text) in try row.decode(String.self, column: "percentages").split(separator: ",").enumerated() {
                        cohort["week_\(index + 1)"] = Double(text)!
                    }
                    expected.append(cohort)
                    expectedWeeks.append(try row.decode(String.self, column: "cohort_week"))
                }
                let uri = "/stats/retention?start_date=\(startDate)&windows=\(windows)"
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .ok)
                let answer = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]] ?? []
                #expect(answer.map { $0["cohort_week"] as? String ?? "" } == expectedWeeks, "\(uri)")
                let figures = answer.map { $0.filter { $0.key != "cohort_week" }.mapValues { ($0 as? NSNumber)?.doubleValue ?? -1 } }
                #expect(figures == expected, "\(uri)")
                if startDate == firstDay {
                    // Later cohorts are empty (every user of the data set is seen in its first week).
                    #expect(expected.count >= 4 && (expected[0]["week_1"] ?? 0) > 0, "\(uri): the data set should show returning users")
                }
            }

            // Each request was counted under its report and status.
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            let text = String(decoding: metrics.body.readableBytesView, as: UTF8.self)
            #expect(text.contains(#"reporter_requests_total{report="events",status="200"}"#))
            #expect(text.contains(#"reporter_report_duration_seconds_count{report="dau"}"#))
        }
    }
}
