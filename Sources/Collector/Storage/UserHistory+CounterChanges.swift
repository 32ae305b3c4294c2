internal import EventModel
internal import UserActivity

extension UserHistory {
    /// Adds the user's `activity` (dimension and day pairs) and records what it changes in the counters of
    /// `source`; returns whether any day was new.
    ///
    /// A new day counts the user on it after their previous day with that dimension; when it falls before
    /// a day already recorded, that later day now follows the new one instead. A new first day of
    /// ``UserDimension/user`` in an earlier week moves the user, with all their weeks, to that cohort.
    mutating func record(_ activity: [(UserDimension, Int64)], source: String, into changes: inout UserCounterChanges) -> Bool {
        let weeksBefore = activeWeeks
        var changed = false
        for (dimension, day) in activity {
            guard let (previous, next) = insert(day, for: dimension) else { continue }
            changed = true
            changes.add(1, .init(dimension: dimension, source: source, day: day, previousDay: previous))
            if let next {
                changes.add(-1, .init(dimension: dimension, source: source, day: next, previousDay: previous))
                changes.add(1, .init(dimension: dimension, source: source, day: next, previousDay: day))
            }
        }
        let weeksAfter = activeWeeks
        if weeksAfter != weeksBefore, let cohort = weeksAfter.first {
            if let cohortBefore = weeksBefore.first, cohortBefore == cohort {
                for week in weeksAfter where !weeksBefore.contains(week) {
                    changes.add(1, cohortWeek: cohort, week: week)
                }
            } else {
                if let cohortBefore = weeksBefore.first {
                    for week in weeksBefore { changes.add(-1, cohortWeek: cohortBefore, week: week) }
                }
                for week in weeksAfter { changes.add(1, cohortWeek: cohort, week: week) }
            }
        }
        return changed
    }

    /// The ISO weeks (their Mondays) with any activity, ascending; the first is the user's cohort.
    private var activeWeeks: [Int64] {
        var weeks: [Int64] = []
        for day in days[.user] ?? [] {
            let week = UTCCalendar.weekStart(ofDay: day)
            if weeks.last != week { weeks.append(week) }
        }
        return weeks
    }
}
