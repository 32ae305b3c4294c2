public import EventModel
public import Foundation
public import HTTPService

/// The query parameters of one report request, checked: every mistake is a 400 that names the
/// parameter, never a 500 and never a silently wider answer.
public struct ReportParameters: Sendable, Hashable {
    /// The time range, `from` inclusive and `to` exclusive; a bare date as `to` means up to the end
    /// of that day.
    public var from: Date
    public var to: Date
    public var source: EventSource?
    public var funnelStage: FunnelStage?
    public var eventType: String?
    public var campaignId: String?
    public var groupBy: ReportGrouping?
    public var limit: Int = ReportParameters.defaultLimit
    public var segment: Segment?

    /// `from`..<`to` split into the whole buckets of the aggregate the route reads and the ragged edges.
    public var range: ReportRange

    /// The UTC day of `date`, `YYYY-MM-DD`.
    static func dayText(_ date: Date) -> String {
        UTCCalendar.dateText(ofDay: day(of: date))
    }

    /// The UTC day of `date`, as days since 1970-01-01.
    static func day(of date: Date) -> Int64 {
        UTCCalendar.day(ofMicroseconds: Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down)))
    }

    /// `limit` when the client gives none.
    public static let defaultLimit = 10
    /// The accepted values of `limit`.
    public static let limitRange = 1...100
    /// The longest free-text value (event type, campaign id, segment value) worth looking up.
    static let maximumTextLength = 200

    /// Checks `query` (names and values as the client sent them, percent-decoded) for `route`.
    ///
    /// - Throws: ``APIError`` 400 naming the parameter at fault.
    public init(query: [(name: String, value: String)], route: ReportRoute) throws(APIError) {
        let values = try Self.values(query, route: route)

        guard let fromText = values[.from] else { throw Self.invalid("parameter 'from' is missing") }
        guard let toText = values[.to] else { throw Self.invalid("parameter 'to' is missing") }
        from = try Self.instant(fromText, parameter: .from, bareDateMeansEnd: false)
        // A range that ends before it starts is empty, not an error: no OpenAPI document can say "from
        // before to", so a client that follows the document may send one.
        to = max(from, try Self.instant(toText, parameter: .to, bareDateMeansEnd: true))
        for (parameter, instant) in [(ReportParameter.from, from), (.to, to)] {
            // Ranges are exact to the second; a fraction is more likely a client bug than a wish for milliseconds.
            guard instant.timeIntervalSince1970.rounded(.down) == instant.timeIntervalSince1970 else {
                throw Self.invalid("\(parameter.rawValue) must be a whole second, not a fraction of one")
            }
        }

        if let text = values[.source] { source = try Self.source(text, parameter: .source) }
        if let text = values[.funnelStage] {
            guard let stage = FunnelStage(rawValue: text) else {
                throw Self.invalid("unknown funnelStage '\(text)'; expected top or bottom")
            }
            funnelStage = stage
        }
        if let text = values[.eventType] { eventType = try Self.text(text, parameter: .eventType) }
        if let text = values[.campaignId] { campaignId = try Self.text(text, parameter: .campaignId) }
        if let text = values[.groupBy] {
            guard let grouping = ReportGrouping(rawValue: text), route.groupings.contains(grouping) else {
                let accepted = route.groupings.map(\.rawValue).joined(separator: ", ")
                throw Self.invalid("unknown groupBy '\(text)'; \(route.path) groups by \(accepted)")
            }
            groupBy = grouping
        }
        if let text = values[.limit] {
            guard let limit = Int(text), Self.limitRange.contains(limit) else {
                throw Self.invalid("limit must be a whole number from \(Self.limitRange.lowerBound) to \(Self.limitRange.upperBound), not '\(text)'")
            }
            self.limit = limit
        }
        if let text = values[.segment] { segment = try Self.segment(text) }
        range = ReportRange(from: from, to: to, bucketSeconds: route.granularity(segment: segment).seconds)
    }

    /// The parameters of `query` by name, each known to `route` and given once.
    static func values(_ query: [(name: String, value: String)], route: ReportRoute) throws(APIError) -> [ReportParameter: String] {
        var values: [ReportParameter: String] = [:]
        for (name, value) in query {
            // `properties.country` style names are only accepted inside a segment value, not as names.
            guard let parameter = ReportParameter(rawValue: name), route.parameters.contains(parameter) else {
                let accepted = route.parameters.map(\.rawValue).joined(separator: ", ")
                throw invalid("unknown parameter '\(name)'; \(route.path) accepts \(accepted)")
            }
            guard values.updateValue(value, forKey: parameter) == nil else {
                throw invalid("parameter '\(name)' is given more than once")
            }
        }
        return values
    }

    /// `field:value`, where `properties.<field>` names the same field as `<field>` (app events keep
    /// country and device under `properties`).
    static func segment(_ text: String) throws(APIError) -> Segment {
        let fields = Segment.Field.allCases.map(\.rawValue).joined(separator: ", ")
        // Split on the scalar, not the Character: a colon followed by a combining mark or an emoji
        // modifier (`country:🏻`) is one Character that is not ":".
        let scalars = text.unicodeScalars
        guard let colon = scalars.firstIndex(of: ":") else {
            throw invalid("segment must be field:value with field one of \(fields), not '\(text)'")
        }
        let written = String(scalars[..<colon])
        let name = written.hasPrefix("properties.") ? String(written.dropFirst("properties.".count)) : written
        guard let field = Segment.Field(rawValue: name) else {
            throw invalid("unknown segment field '\(written)'; expected one of \(fields)")
        }
        let value = String(scalars[scalars.index(after: colon)...])
        if field == .source {
            return Segment(field: field, value: try source(value, parameter: .segment).rawValue)
        }
        return Segment(field: field, value: try self.text(value, parameter: .segment))
    }

    private static func source(_ text: String, parameter: ReportParameter) throws(APIError) -> EventSource {
        guard let source = EventSource(rawValue: text) else {
            let context = parameter == .source ? "" : " in \(parameter.rawValue)"
            throw invalid("unknown source '\(text)'\(context); expected facebook, tiktok or app")
        }
        return source
    }

    private static func text(_ text: String, parameter: ReportParameter) throws(APIError) -> String {
        guard !text.isEmpty, text.count <= maximumTextLength else {
            throw invalid("\(parameter.rawValue) must be 1 to \(maximumTextLength) characters")
        }
        // PostgreSQL text cannot hold NUL (the query failed, 500), and no stored value has one.
        guard !text.utf8.contains(0) else { throw invalid("\(parameter.rawValue) must not contain NUL characters") }
        return text
    }

    /// A bare date (`2025-01-31`, a whole UTC day) or a date-time with a zone (`2025-01-31T10:00:00Z`).
    /// A bare date as the end of a range means the end of that day, so that `to` is inclusive.
    static func instant(_ text: String, parameter: ReportParameter, bareDateMeansEnd: Bool) throws(APIError) -> Date {
        let date: Date
        if let day = bareDate(text) {
            date = bareDateMeansEnd ? day.addingTimeInterval(86_400) : day
        } else if text.count > 10, let parsed = try? Date(text, strategy: .iso8601) {
            date = parsed
        } else if text.count > 10, let parsed = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            date = parsed
        } else {
            throw invalid("\(parameter.rawValue) is not a date: '\(text)'; expected e.g. 2025-01-31 or 2025-01-31T10:00:00Z")
        }
        // Far-off years mean a typing mistake, and stay clear of the database's and the binder's limits.
        guard supportedInstants.contains(date.timeIntervalSince1970) else {
            throw invalid("\(parameter.rawValue) must be between 1970 and 9999, not '\(text)'")
        }
        return date
    }

    /// 1970-01-01 to 10000-01-01 (the end of a range may be the day after 9999-12-31), in Unix seconds.
    static let supportedInstants: ClosedRange<TimeInterval> = 0...253_402_300_800

    /// The start (00:00 UTC) of a `YYYY-MM-DD` day, nil when `text` is not one or names no real day.
    static func bareDate(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)) else { return nil }
        // Calendar rolls 2025-02-30 over into March; such a day does not exist.
        let check = calendar.dateComponents([.year, .month, .day], from: date)
        guard check.year == year, check.month == month, check.day == day else { return nil }
        return date
    }

    static func invalid(_ message: String) -> APIError {
        APIError(.badRequest, message)
    }
}
