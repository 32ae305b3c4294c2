import Foundation
import Postgres

/// The SQL the report queries share for the parts of a ``ReportRange``, its bounds as bind parameters.
extension PostgresQuery.StringInterpolation {
    /// A condition on `occurred_at`: within the head or the tail of `range`, or with `wholeDays` within the
    /// UTC day of either (the edges' daily partitions, whole). A missing edge is bound as NULL, which
    /// PostgreSQL's partition pruning turns into no partition at all, so a range on bucket boundaries reads
    /// no raw event and only the edges' daily partitions are read otherwise.
    mutating func appendInterpolation(edgesOf range: ReportRange, wholeDays: Bool = false) {
        if wholeDays {
            appendInterpolation(occurredIn: range.headDay, or: range.tailDay)
        } else {
            appendInterpolation(occurredIn: range.head, or: range.tail)
        }
    }

    /// The bucket column of an aggregate of `granularity` (`hour`, a timestamptz, or `day`, a UTC date)
    /// within the whole buckets of `range`.
    mutating func appendInterpolation(wholeBucketsOf range: ReportRange, granularity: TimeGranularity) {
        let (column, open, close) = switch granularity {
        case .hour: ("hour", "", "")
        case .day: ("day", "(", " AT TIME ZONE 'UTC')::date")
        }
        appendLiteral("\(column) >= \(open)")
        appendInterpolation(range.whole.lowerBound)
        appendLiteral("\(close) AND \(column) < \(open)")
        appendInterpolation(range.whole.upperBound)
        appendLiteral(close)
    }

    /// `occurred_at` within `first` or `second`, each `[lower, upper)`; a nil one matches nothing.
    private mutating func appendInterpolation(occurredIn first: Range<Date>?, or second: Range<Date>?) {
        appendLiteral("(occurred_at >= ")
        appendInterpolation(first?.lowerBound)
        appendLiteral(" AND occurred_at < ")
        appendInterpolation(first?.upperBound)
        appendLiteral(" OR occurred_at >= ")
        appendInterpolation(second?.lowerBound)
        appendLiteral(" AND occurred_at < ")
        appendInterpolation(second?.upperBound)
        appendLiteral(")")
    }
}
