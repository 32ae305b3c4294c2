import EventModel
import Postgres

/// The SQL the report queries share for the parts of a ``ReportRange``, its bounds as bind parameters.
extension PostgresQuery.StringInterpolation {
    /// A condition on `occurred_at`: within the head or the tail of `range`. A missing edge is bound as
    /// NULL, which PostgreSQL's partition pruning turns into no partition at all, so a range on bucket
    /// boundaries reads no raw event and only the edges' daily partitions are read otherwise.
    mutating func appendInterpolation(edgesOf range: ReportRange) {
        appendLiteral("(occurred_at >= ")
        appendInterpolation(range.head?.lowerBound)
        appendLiteral(" AND occurred_at < ")
        appendInterpolation(range.head?.upperBound)
        appendLiteral(" OR occurred_at >= ")
        appendInterpolation(range.tail?.lowerBound)
        appendLiteral(" AND occurred_at < ")
        appendInterpolation(range.tail?.upperBound)
        appendLiteral(")")
    }

    /// A query of the distinct users active in day-bucketed `range` per `(source, dimension, value)`
    /// (columns `source`, `dimension`, `value`, `users`), for `dimensions` of `sources` (README, Reports).
    ///
    /// The users of the whole days are read from the counters (each user counts on their first day in
    /// them). The users of the edges come from the raw events; one of them is added unless their stored
    /// history (``UserHistory`` in the collector, read by `user_history_values_between`) shows the same
    /// value on a whole day, where the counters already count them: a union, never a sum. Histories are
    /// looked up only for the edges' users, by key, and only when the range has whole days.
    mutating func appendInterpolation(activeUsersIn range: ReportRange, dimensions: [String], sources: [EventSource]) {
        let dimensionList = "{" + dimensions.joined(separator: ",") + "}"
        let sourceList = "{" + sources.map(\.rawValue).joined(separator: ",") + "}"
        appendLiteral("""
            SELECT source, dimension, value, sum(users) AS users FROM (
                SELECT source, dimension, value, users FROM user_value_counts
                WHERE dimension = ANY(
            """)
        appendInterpolation(dimensionList)
        appendLiteral("::text[]) AND source = ANY(")
        appendInterpolation(sourceList)
        appendLiteral("::text[]) AND day >= ")
        appendInterpolation(range.wholeFirstDay)
        appendLiteral("::date AND day < ")
        appendInterpolation(range.wholeEndDay)
        appendLiteral("::date AND previous_day < ")
        appendInterpolation(range.wholeFirstDay)
        appendLiteral("""
            ::date
                UNION ALL
                SELECT source, dimension, value, count(*) FROM (
                    WITH edge_values AS MATERIALIZED (
                        SELECT DISTINCT source, user_id, v.dimension, v.value
                        FROM events CROSS JOIN LATERAL (VALUES
                            ('users', ''), ('event_type', event_type), ('stage', funnel_stage), ('country', country),
                            ('device', device), ('city', city), ('age', age_bucket(age)), ('gender', gender),
                            ('followers', follower_bucket(followers))
                        ) AS v(dimension, value)
                        WHERE
            """)
        appendInterpolation(edgesOf: range)
        appendLiteral(" AND source = ANY(")
        appendInterpolation(sourceList)
        appendLiteral("::text[]) AND v.dimension = ANY(")
        appendInterpolation(dimensionList)
        appendLiteral("""
            ::text[]) AND v.value IS NOT NULL
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
                ) AS new_on_edges
                GROUP BY 1, 2, 3
            ) AS active
            GROUP BY 1, 2, 3
            """)
    }
}
