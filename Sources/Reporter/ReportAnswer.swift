import EventModel
import Foundation
import Hummingbird

/// The JSON bodies of the reports (platform contract, section 5), snake_case as the contract shows.
enum ReportAnswer {
    /// Whether an `Accept` header asks for CSV before JSON (a browser's `*/*` keeps JSON).
    static func prefersCSV(_ accept: String) -> Bool {
        let types = accept.split(separator: ",").map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased() }
        guard let csv = types.firstIndex(of: "text/csv") else { return false }
        return types.firstIndex(of: "application/json").map { csv < $0 } ?? true
    }

    /// `/reports/events`: `{"total": 12, "groups": [{"key": "facebook", "count": 7}, ...]}`; `groups`
    /// only with `groupBy`, a group of events without the field keyed `null`.
    struct Events: Encodable {
        var total: Int
        var groups: [Group]?

        struct Group: Encodable {
            var key: String?
            var count: Int

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(key, forKey: .key)  // null, not absent, for the group without the field
                try container.encode(count, forKey: .count)
            }

            enum CodingKeys: CodingKey { case key, count }
        }

        init(_ report: GroupedReport<Int>, grouped: Bool) {
            total = report.total
            groups = grouped ? report.groups.map { Group(key: $0.key, count: $0.value) } : nil
        }
    }

    /// `/reports/revenue`: `{"total_revenue": "1234.50", "purchases": 40, "groups": [{"key": ...,
    /// "revenue": "...", "purchases": ...}]}`; amounts are exact decimal strings.
    struct Revenue: Encodable {
        var totalRevenue: String
        var purchases: Int
        var groups: [Group]?

        struct Group: Encodable {
            var key: String?
            var revenue: String
            var purchases: Int

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(key, forKey: .key)
                try container.encode(revenue, forKey: .revenue)
                try container.encode(purchases, forKey: .purchases)
            }

            enum CodingKeys: CodingKey { case key, revenue, purchases }
        }

        enum CodingKeys: String, CodingKey {
            case totalRevenue = "total_revenue", purchases, groups
        }

        init(_ report: GroupedReport<Reporter.Revenue>, grouped: Bool) {
            totalRevenue = report.total.amount
            purchases = report.total.purchases
            groups = grouped ? report.groups.map { Group(key: $0.key, revenue: $0.value.amount, purchases: $0.value.purchases) } : nil
        }
    }

    /// One element of `/stats/dau`.
    struct DailyUsers: Encodable {
        var date: String
        var uniqueUsers: Int

        enum CodingKeys: String, CodingKey { case date, uniqueUsers = "unique_users" }
    }

    /// One element of `/stats/top-events`.
    struct EventTypeCount: Encodable {
        var eventType: String
        var count: Int

        enum CodingKeys: String, CodingKey { case eventType = "event_type", count }
    }

    /// `/reports/funnel`.
    struct Funnel: Encodable {
        var top: Stage
        var bottom: Stage
        /// Percent of top users who reached the bottom, one decimal.
        var conversionRate: Double

        struct Stage: Encodable {
            var users: Int
            var events: Int
        }

        enum CodingKeys: String, CodingKey { case top, bottom, conversionRate = "conversion_rate" }

        init(_ funnel: Reporter.Funnel) {
            top = Stage(users: funnel.topUsers, events: funnel.topEvents)
            bottom = Stage(users: funnel.bottomUsers, events: funnel.bottomEvents)
            // One decimal from PostgreSQL; Double prints such a value back with that one decimal.
            conversionRate = Double(funnel.conversionRate) ?? 0
        }
    }

    /// `/reports/demographics`: per source (every source, or only the one asked for with `source`), its
    /// active users and their distribution; buckets in their natural order, top values by users (ties by
    /// name), at most ``topCount`` each. Users whose events lack a field are left out of its list. App
    /// devices are free text like countries, so they are a top list too.
    struct Demographics: Encodable {
        var facebook: Facebook?
        var tiktok: TikTok?
        var app: App?

        /// How many countries, cities and app devices the answer lists.
        static let topCount = 10
        static let ageOrder = ["under-13", "13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
        static let followerOrder = ["0-999", "1k-10k", "10k-100k", "100k-1M", "1M+"]

        struct Share: Encodable, Hashable {
            var key: String
            var users: Int
        }

        struct Facebook: Encodable {
            var users: Int
            var age: [Share]
            var gender: [Share]
            var topCountries: [Share]
            var topCities: [Share]

            enum CodingKeys: String, CodingKey {
                case users, age, gender, topCountries = "top_countries", topCities = "top_cities"
            }
        }

        struct TikTok: Encodable {
            var users: Int
            var followers: [Share]
            var device: [Share]
            var topCountries: [Share]

            enum CodingKeys: String, CodingKey { case users, followers, device, topCountries = "top_countries" }
        }

        struct App: Encodable {
            var users: Int
            var topCountries: [Share]
            var topDevices: [Share]

            enum CodingKeys: String, CodingKey { case users, topCountries = "top_countries", topDevices = "top_devices" }
        }

        init(_ counts: [DemographicCount], source: EventSource?) {
            func shares(_ source: String, _ dimension: String) -> [Share] {
                counts.compactMap { count in
                    guard count.source == source, count.dimension == dimension, let key = count.key else { return nil }
                    return Share(key: key, users: count.users)
                }
            }
            func users(_ source: String) -> Int {
                counts.first { $0.source == source && $0.dimension == "users" }?.users ?? 0
            }
            func ordered(_ shares: [Share], by order: [String]) -> [Share] {
                shares.sorted { (order.firstIndex(of: $0.key) ?? order.count, $0.key) < (order.firstIndex(of: $1.key) ?? order.count, $1.key) }
            }
            func top(_ shares: [Share]) -> [Share] {
                Array(shares.sorted { ($1.users, $0.key) < ($0.users, $1.key) }.prefix(Self.topCount))
            }
            if source == nil || source == .facebook {
                facebook = Facebook(
                    users: users("facebook"),
                    age: ordered(shares("facebook", "age"), by: Self.ageOrder),
                    gender: ordered(shares("facebook", "gender"), by: []),
                    topCountries: top(shares("facebook", "country")),
                    topCities: top(shares("facebook", "city")))
            }
            if source == nil || source == .tiktok {
                tiktok = TikTok(
                    users: users("tiktok"),
                    followers: ordered(shares("tiktok", "followers"), by: Self.followerOrder),
                    device: ordered(shares("tiktok", "device"), by: []),
                    topCountries: top(shares("tiktok", "country")))
            }
            if source == nil || source == .app {
                app = App(users: users("app"), topCountries: top(shares("app", "country")), topDevices: top(shares("app", "device")))
            }
        }
    }

    /// One element of `/stats/retention`: `{"cohort_week": "2025-01-06", "week_0": 1000, "week_1": 45.5, ...}`.
    struct Retention: Encodable {
        var cohort: Cohort

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(cohort.week, forKey: Key(stringValue: "cohort_week"))
            try container.encode(cohort.size, forKey: Key(stringValue: "week_0"))
            for later in cohort.returning.indices.map({ $0 + 1 }) {
                try container.encode(cohort.percentage(later: later), forKey: Key(stringValue: "week_\(later)"))
            }
        }
    }

    /// `value` as the answer to `request`: CSV when the client accepts `text/csv` (and not JSON first),
    /// JSON otherwise; `dataAsOf` (``dataAsOfText(_:)``) goes into the `Data-As-Of` header.
    static func rendered(_ value: some Encodable & CSVTable, to request: Request, dataAsOf: String?) throws -> RenderedReport {
        if prefersCSV(request.headers[.accept] ?? "") {
            return RenderedReport(contentType: "text/csv; charset=utf-8", body: ByteBuffer(string: CSV.text(value.csvRows)), dataAsOf: dataAsOf)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return RenderedReport(contentType: "application/json", body: ByteBuffer(bytes: try encoder.encode(value)), dataAsOf: dataAsOf)
    }

    /// `2025-03-12T18:00:05Z`: the freshness to the second, rounded down so that it never claims more.
    static func dataAsOfText(_ date: Date?) -> String? {
        guard let date else { return nil }
        return Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)).formatted(.iso8601)
    }

    /// An object answer (events, revenue, funnel, demographics) with its freshness as a `data_as_of` field
    /// beside its own, when known. The array answers (DAU, top events, retention) keep the contract's bare
    /// arrays and carry it in the `Data-As-Of` header only.
    struct Stamped<Answer: Encodable & CSVTable>: Encodable, CSVTable {
        var answer: Answer
        var dataAsOf: String?

        func encode(to encoder: any Encoder) throws {
            try answer.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(dataAsOf, forKey: .dataAsOf)
        }

        enum CodingKeys: String, CodingKey { case dataAsOf = "data_as_of" }

        var csvRows: [[String]] { answer.csvRows }
    }
}

extension ReportAnswer.Events: CSVTable {
    var csvRows: [[String]] {
        guard let groups else { return [["total"], [String(total)]] }
        return [["key", "count"]] + groups.map { [$0.key ?? "", String($0.count)] }
    }
}

extension ReportAnswer.Revenue: CSVTable {
    var csvRows: [[String]] {
        guard let groups else { return [["total_revenue", "purchases"], [totalRevenue, String(purchases)]] }
        return [["key", "revenue", "purchases"]] + groups.map { [$0.key ?? "", $0.revenue, String($0.purchases)] }
    }
}

extension ReportAnswer.DailyUsers: CSVRecord {
    static var csvHeader: [String] { ["date", "unique_users"] }
    var csvFields: [String] { [date, String(uniqueUsers)] }
}

extension ReportAnswer.EventTypeCount: CSVRecord {
    static var csvHeader: [String] { ["event_type", "count"] }
    var csvFields: [String] { [eventType, String(count)] }
}

extension ReportAnswer.Funnel: CSVTable {
    var csvRows: [[String]] {
        [["top_users", "top_events", "bottom_users", "bottom_events", "conversion_rate"],
         [String(top.users), String(top.events), String(bottom.users), String(bottom.events), String(conversionRate)]]
    }
}

extension ReportAnswer.Demographics: CSVTable {
    /// One row per source, dimension and value; `users` with an empty key is the source's total.
    var csvRows: [[String]] {
        var rows = [["source", "dimension", "key", "users"]]
        if let facebook {
            rows.append(["facebook", "users", "", String(facebook.users)])
            for (dimension, shares) in [("age", facebook.age), ("gender", facebook.gender), ("country", facebook.topCountries), ("city", facebook.topCities)] {
                rows += shares.map { ["facebook", dimension, $0.key, String($0.users)] }
            }
        }
        if let tiktok {
            rows.append(["tiktok", "users", "", String(tiktok.users)])
            for (dimension, shares) in [("followers", tiktok.followers), ("device", tiktok.device), ("country", tiktok.topCountries)] {
                rows += shares.map { ["tiktok", dimension, $0.key, String($0.users)] }
            }
        }
        if let app {
            rows.append(["app", "users", "", String(app.users)])
            for (dimension, shares) in [("country", app.topCountries), ("device", app.topDevices)] {
                rows += shares.map { ["app", dimension, $0.key, String($0.users)] }
            }
        }
        return rows
    }
}

/// Retention as CSV: a header with `week_1` … `week_<windows>` of the first cohort (all have as many).
struct RetentionTable: Encodable, CSVTable {
    var cohorts: [ReportAnswer.Retention]

    func encode(to encoder: any Encoder) throws {
        try cohorts.encode(to: encoder)
    }

    var csvRows: [[String]] {
        let windows = cohorts.first?.cohort.returning.count ?? 0
        let header = ["cohort_week", "week_0"] + (0..<windows).map { "week_\($0 + 1)" }
        return [header] + cohorts.map { retention in
            [retention.cohort.week, String(retention.cohort.size)]
                + (0..<windows).map { String(retention.cohort.percentage(later: $0 + 1)) }
        }
    }
}
