import EventModel
import Foundation
import Postgres

/// The SQL the report queries share for the parts of a ``ReportRange``, its bounds as bind parameters.
extension PostgresQuery.StringInterpolation {
    /// A condition on `occurred_at`: within the head or the tail of `range`. A missing edge is bound as
    /// NULL, which PostgreSQL's partition pruning turns into no partition at all, so a range on bucket
    /// boundaries reads no raw event and only the edges' daily partitions are read otherwise.
    mutating func appendInterpolation(edgesOf range: ReportRange) {
        appendInterpolation(occurredIn: range.head, or: range.tail)
    }

    /// A condition on `occurred_at`: within the UTC day of the head or of the tail of `range` (the edges'
    /// daily partitions, whole).
    private mutating func appendInterpolation(edgeDaysOf range: ReportRange) {
        appendInterpolation(occurredIn: range.headDay, or: range.tailDay)
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

    /// A query of the distinct users active in day-bucketed `range` per `(source, dimension, value)`
    /// (columns `source`, `dimension`, `value`, `users`), for `dimensions` of `sources` (README, Reports).
    ///
    /// The users of whole days are read from the counters (each user counts on their first day in them).
    /// The edges are read from the raw events of their days, one of two exact ways
    /// (``ReportRange/edgeUsersFromComplement``):
    /// - the edges' users: each is added unless their stored history (``UserHistory`` in the collector, read
    ///   by `user_history_values_between`) shows the same value on a whole day, where the counters already
    ///   count them: a union, never a sum;
    /// - when the edges are most of their days, the counters of every day the range touches, less the users
    ///   seen on the edge days only outside the range and on no whole day: fewer histories to read.
    /// Histories are looked up by key, for those users only, and only when the range has whole days.
    mutating func appendInterpolation(activeUsersIn range: ReportRange, dimensions: [String], sources: [EventSource]) {
        let dimensionList = "{" + dimensions.joined(separator: ",") + "}"
        let sourceList = "{" + sources.map(\.rawValue).joined(separator: ",") + "}"
        let complement = range.edgeUsersFromComplement
        let (firstDay, endDay) = complement ? (range.firstTouchedDay, range.endTouchedDay) : (range.wholeFirstDay, range.wholeEndDay)
        appendLiteral("""
            SELECT source, dimension, value, sum(users) AS users FROM (
                SELECT source, dimension, value, users FROM user_value_counts
                WHERE dimension = ANY(
            """)
        appendInterpolation(dimensionList)
        appendLiteral("::text[]) AND source = ANY(")
        appendInterpolation(sourceList)
        appendLiteral("::text[]) AND day >= ")
        appendInterpolation(firstDay)
        appendLiteral("::date AND day < ")
        appendInterpolation(endDay)
        appendLiteral("::date AND previous_day < ")
        appendInterpolation(firstDay)
        appendLiteral("""
            ::date
                UNION ALL
                SELECT source, dimension, value, \(complement ? "-" : "")count(*) FROM (
                    WITH edge_values AS MATERIALIZED (
                        SELECT source, user_id, dimension, value FROM (
                            SELECT source, user_id, v.dimension, v.value, occurred_at
                            FROM events CROSS JOIN LATERAL (VALUES
                                ('users', ''), ('event_type', event_type), ('stage', funnel_stage), ('country', country),
                                ('device', device), ('city', city), ('age', age_bucket(age)), ('gender', gender),
                                ('followers', follower_bucket(followers))
                            ) AS v(dimension, value)
                            WHERE
            """)
        if complement {
            appendInterpolation(edgeDaysOf: range)
        } else {
            appendInterpolation(edgesOf: range)
        }
        appendLiteral(" AND source = ANY(")
        appendInterpolation(sourceList)
        appendLiteral("::text[]) AND v.dimension = ANY(")
        appendInterpolation(dimensionList)
        appendLiteral("::text[]) AND v.value IS NOT NULL\n) AS seen GROUP BY 1, 2, 3, 4")
        if complement {
            // Seen on the edge days, never inside the range.
            appendLiteral(" HAVING NOT bool_or(occurred_at >= ")
            appendInterpolation(range.bounds.lowerBound)
            appendLiteral(" AND occurred_at < ")
            appendInterpolation(range.bounds.upperBound)
            appendLiteral(")")
        }
        appendLiteral("""

                    )
                    SELECT * FROM edge_values
                    EXCEPT
                    SELECT h.source, h.user_id, counted.dimension, counted.value
                    FROM (SELECT DISTINCT source, user_id FROM edge_values) AS edge_users
                    JOIN user_histories h USING (source, user_id)
                    CROSS JOIN LATERAL user_history_values_between(h.history,
            """)
        appendInterpolation(range.wholeFirstDay)
        appendLiteral("::date, ")
        appendInterpolation(range.wholeEndDay)
        appendLiteral("::date, ")
        appendInterpolation(dimensionList)
        appendLiteral("::text[]) AS counted WHERE ")
        appendInterpolation(range.wholeFirstDay)
        appendLiteral("::date < ")
        appendInterpolation(range.wholeEndDay)
        appendLiteral("""
            ::date
                ) AS not_on_whole_days
                GROUP BY 1, 2, 3
            ) AS active
            GROUP BY 1, 2, 3
            """)
    }
}
