public import Foundation

/// A report's time range split by what can answer it exactly: the whole buckets of the aggregate the
/// route reads (hours or UTC days) that the range covers, read from the aggregates, and the ragged edges
/// before and after them, read from the raw events. A range on bucket boundaries has no edges and is
/// answered from the aggregates alone, as fast as ever.
public struct ReportRange: Sendable, Hashable {
    /// The whole buckets, `[start, end)`; empty (start == end) when the range covers none.
    public var whole: Range<Date>
    /// The part before ``whole``, nil when the range starts on a bucket boundary. A range inside one
    /// bucket is all head.
    public var head: Range<Date>?
    /// The part after ``whole``, nil when the range ends on a bucket boundary.
    public var tail: Range<Date>?

    /// `[from, to)`: the whole range, edges included.
    public let bounds: Range<Date>

    /// Splits `[from, to)` at the boundaries of buckets of `seconds` (counted from 1970-01-01 UTC).
    init(from: Date, to: Date, bucketSeconds seconds: Int64) {
        bounds = from..<to
        let step = Double(seconds)
        let firstBoundary = Date(timeIntervalSince1970: (from.timeIntervalSince1970 / step).rounded(.up) * step)
        let lastBoundary = Date(timeIntervalSince1970: (to.timeIntervalSince1970 / step).rounded(.down) * step)
        guard firstBoundary <= lastBoundary else {
            whole = from..<from
            head = from..<to
            return
        }
        whole = firstBoundary..<lastBoundary
        head = from < firstBoundary ? from..<firstBoundary : nil
        tail = lastBoundary < to ? lastBoundary..<to : nil
    }

    /// Whether the aggregates answer the whole range (no ragged edge).
    public var isWhole: Bool { head == nil && tail == nil }

    /// The UTC day (`[start, start + 1 day)`) of the head and of the tail, nil for a missing edge.
    var headDay: Range<Date>? { head.map { Self.day(of: $0.lowerBound) } }
    var tailDay: Range<Date>? { tail.map { Self.day(of: $0.lowerBound) } }

    /// Whether the distinct users of the edges are best found from their complement within their days:
    /// when the range has whole days (a user seen on an edge must be looked up in the whole days' user
    /// histories) and the edges are more than half of their days, the users seen on the edge days only
    /// outside the range are fewer to look up than the users of the edges. Both ways are exact.
    var edgeUsersFromComplement: Bool {
        let days = Set([headDay, tailDay].compactMap { $0 }).count
        guard !whole.isEmpty, days > 0 else { return false }
        let edges = [head, tail].compactMap { $0 }.reduce(0) { $0 + $1.upperBound.timeIntervalSince($1.lowerBound) }
        return edges > Double(days) * Self.daySeconds / 2
    }

    /// The first day of the days the range touches, `YYYY-MM-DD`: its first day, edge or not.
    var firstTouchedDay: String { ReportParameters.dayText(bounds.lowerBound) }
    /// The day after the last day the range touches (exclusive), `YYYY-MM-DD`.
    var endTouchedDay: String {
        let last = Self.day(of: bounds.upperBound)
        return ReportParameters.dayText(last.lowerBound == bounds.upperBound ? last.lowerBound : last.upperBound)
    }

    private static let daySeconds = 86_400.0

    private static func day(of date: Date) -> Range<Date> {
        let start = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / daySeconds).rounded(.down) * daySeconds)
        return start..<start.addingTimeInterval(daySeconds)
    }

    /// The days of ``whole`` as days since 1970-01-01 (day-bucketed ranges).
    var wholeDays: Range<Int64> { ReportParameters.day(of: whole.lowerBound)..<ReportParameters.day(of: whole.upperBound) }

    /// The first day of ``whole``, `YYYY-MM-DD` (day-bucketed ranges).
    var wholeFirstDay: String { ReportParameters.dayText(whole.lowerBound) }
    /// The day after ``whole`` (exclusive), `YYYY-MM-DD`; equal to ``wholeFirstDay`` when it is empty.
    var wholeEndDay: String { ReportParameters.dayText(whole.upperBound) }
}
