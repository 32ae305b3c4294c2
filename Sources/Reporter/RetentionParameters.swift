public import Foundation
public import HTTPService

/// The query parameters of `/stats/retention`, checked like ``ReportParameters``.
public struct RetentionParameters: Sendable, Hashable {
    /// The Monday (00:00 UTC) of the ISO week of `start_date`: the first cohort.
    public var startWeek: Date
    /// How many later weeks each cohort reports (`week_1` … `week_<windows>`).
    public var windows: Int = RetentionParameters.defaultWindows

    public static let defaultWindows = 4
    public static let windowRange = 1...52
    /// Every week from `start_date` on is a cohort, those without data too: from year 1 that was ~105,000
    /// cohorts (720 MB, and a 500 on a small database). Events are stored from 1970 on by default
    /// (`EVENT_TIME_EARLIEST`), so earlier start dates can only add empty cohorts.
    static let earliestStartDate = Date(timeIntervalSince1970: 0)

    public init(query: [(name: String, value: String)]) throws(APIError) {
        let values = try ReportParameters.values(query, route: .retention)
        guard let text = values[.startDate] else { throw ReportParameters.invalid("parameter 'start_date' is missing") }
        guard let day = ReportParameters.bareDate(text) else {
            throw ReportParameters.invalid("start_date is not a date: '\(text)'; expected e.g. 2025-01-06")
        }
        guard day >= Self.earliestStartDate else {
            throw ReportParameters.invalid("start_date must be 1970-01-01 or later (events are stored from then on), not '\(text)'")
        }
        startWeek = Self.monday(of: day)
        if let text = values[.windows] {
            guard let windows = Int(text), Self.windowRange.contains(windows) else {
                throw ReportParameters.invalid(
                    "windows must be a whole number from \(Self.windowRange.lowerBound) to \(Self.windowRange.upperBound), not '\(text)'")
            }
            self.windows = windows
        }
    }

    /// The Monday starting the ISO week of `day` (a UTC midnight).
    static func monday(of day: Date) -> Date {
        let days = Int((day.timeIntervalSince1970 / 86_400).rounded(.down))
        // 1970-01-01 was a Thursday: days since the epoch + 3, modulo 7, counts days since Monday.
        let sinceMonday = ((days + 3) % 7 + 7) % 7
        return Date(timeIntervalSince1970: Double((days - sinceMonday) * 86_400))
    }
}
