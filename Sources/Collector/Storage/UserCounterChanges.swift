internal import EventModel
internal import UserActivity
internal import Postgres

/// What a batch changes in the distinct-user counters (`user_value_counts`, `cohort_activity`), summed
/// per counter row, ready to be added in one upsert each.
struct UserCounterChanges {
    /// A `user_value_counts` row: users of `source` active with `dimension` on `day` and last before it on
    /// `previousDay` (nil for their first day).
    struct CountKey: Hashable {
        var dimension: UserDimension
        var source: String
        var day: Int64
        var previousDay: Int64?
    }

    /// A `cohort_activity` row: users whose first week is `cohortWeek` and who were active in `week`.
    struct CohortKey: Hashable {
        var cohortWeek: Int64
        var week: Int64
    }

    private(set) var users: [CountKey: Int] = [:]
    private(set) var cohorts: [CohortKey: Int] = [:]

    mutating func add(_ change: Int, _ key: CountKey) {
        users[key, default: 0] += change
    }

    mutating func add(_ change: Int, cohortWeek: Int64, week: Int64) {
        cohorts[CohortKey(cohortWeek: cohortWeek, week: week), default: 0] += change
    }

    /// The non-zero user count changes as COPY rows (dimension, value, source, day, previous_day, users).
    var userRows: PostgresCopyBuffer {
        var buffer = PostgresCopyBuffer(reservingCapacity: users.count * 48)
        for (key, change) in users where change != 0 {
            buffer.appendRow([
                key.dimension.name, key.dimension.value, key.source, UTCCalendar.dateText(ofDay: key.day),
                key.previousDay.map(UTCCalendar.dateText(ofDay:)) ?? "-infinity", change,
            ])
        }
        return buffer
    }

    /// The non-zero cohort changes as COPY rows (cohort_week, week, users).
    var cohortRows: PostgresCopyBuffer {
        var buffer = PostgresCopyBuffer(reservingCapacity: cohorts.count * 32)
        for (key, change) in cohorts where change != 0 {
            buffer.appendRow([UTCCalendar.dateText(ofDay: key.cohortWeek), UTCCalendar.dateText(ofDay: key.week), change])
        }
        return buffer
    }
}
