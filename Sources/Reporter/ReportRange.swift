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

    /// Splits `[from, to)` at the boundaries of buckets of `seconds` (counted from 1970-01-01 UTC).
    init(from: Date, to: Date, bucketSeconds seconds: Int64) {
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

    /// The first day of ``whole``, `YYYY-MM-DD` (day-bucketed ranges).
    var wholeFirstDay: String { ReportParameters.dayText(whole.lowerBound) }
    /// The day after ``whole`` (exclusive), `YYYY-MM-DD`; equal to ``wholeFirstDay`` when it is empty.
    var wholeEndDay: String { ReportParameters.dayText(whole.upperBound) }
}
