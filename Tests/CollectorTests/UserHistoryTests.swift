@testable import Collector
import EventModel
import UserActivity
import Testing

@Suite struct UserHistoryTests {
    let country = UserDimension(name: "country", value: "UA")

    /// The counter changes as (dimension name, day, previous day or nil) → change, without zeros.
    func counts(_ changes: UserCounterChanges) -> [String: Int] {
        var result: [String: Int] = [:]
        for (key, change) in changes.users where change != 0 {
            result["\(key.dimension.name) \(key.day) \(key.previousDay.map(String.init) ?? "-")"] = change
        }
        return result
    }

    @Test func aNewDayCountsAfterThePreviousOneAndAKnownDayChangesNothing() {
        var history = UserHistory()
        var changes = UserCounterChanges()
        #expect(history.record([(country, 10), (country, 12)], source: "facebook", into: &changes))
        #expect(counts(changes) == ["country 10 -": 1, "country 12 10": 1])

        var again = UserCounterChanges()
        #expect(!history.record([(country, 12), (country, 10)], source: "facebook", into: &again))
        #expect(counts(again).isEmpty && again.cohorts.isEmpty)
    }

    @Test func aLateDayBetweenKnownDaysMovesTheNextDaysPredecessor() {
        var history = UserHistory()
        var changes = UserCounterChanges()
        _ = history.record([(country, 10), (country, 20)], source: "tiktok", into: &changes)
        var late = UserCounterChanges()
        _ = history.record([(country, 15), (country, 12), (country, 5)], source: "tiktok", into: &late)
        // 5 is the new first day; 12 and 15 sit between 10 and 20, so 10 now follows 5 and 20 follows 15.
        #expect(counts(late) == [
            "country 5 -": 1, "country 10 -": -1, "country 10 5": 1,
            "country 12 10": 1, "country 15 12": 1, "country 20 10": -1, "country 20 15": 1,
        ])
        #expect(history.days[country] == [5, 10, 12, 15, 20])
    }

    @Test func anEarlierFirstWeekMovesTheUserAndTheirWeeksToThatCohort() {
        // 2025-01-06 and 2025-01-13 are Mondays.
        let monday = UTCCalendar.day(year: 2025, month: 1, day: 6)
        var history = UserHistory()
        var first = UserCounterChanges()
        _ = history.record([(.user, monday + 1), (.user, monday + 8)], source: "app", into: &first)
        #expect(first.cohorts == [.init(cohortWeek: monday, week: monday): 1, .init(cohortWeek: monday, week: monday + 7): 1])

        var sameCohort = UserCounterChanges()
        _ = history.record([(.user, monday + 15)], source: "app", into: &sameCohort)
        #expect(sameCohort.cohorts == [.init(cohortWeek: monday, week: monday + 14): 1])

        var earlier = UserCounterChanges()
        _ = history.record([(.user, monday - 3)], source: "app", into: &earlier)
        let cohort = monday - 7
        #expect(earlier.cohorts.filter { $0.value != 0 } == [
            .init(cohortWeek: monday, week: monday): -1, .init(cohortWeek: monday, week: monday + 7): -1,
            .init(cohortWeek: monday, week: monday + 14): -1,
            .init(cohortWeek: cohort, week: cohort): 1, .init(cohortWeek: cohort, week: monday): 1,
            .init(cohortWeek: cohort, week: monday + 7): 1, .init(cohortWeek: cohort, week: monday + 14): 1,
        ])
    }

    @Test func theStoredFormRoundTripsAnyValue() throws {
        var history = UserHistory()
        var changes = UserCounterChanges()
        let odd = UserDimension(name: "city", value: "Kyiv \"centre\"\t\\ 東京")
        _ = history.record([(odd, 20_000), (odd, 20_003), (.user, 20_000), (country, 19_000)], source: "app", into: &changes)
        let stored = history.json
        #expect(stored.contains(#"["users","",[20000,1]]"#))
        #expect(stored.contains(#"[20000,1,20003,1]]"#))
        let read = try UserHistory(json: Array(stored.utf8))
        #expect(read.days == history.days)
        #expect(throws: UserHistoryError.self) { try UserHistory(json: Array(#"[["users",""]]"#.utf8)) }

        // Reading one dimension keeps the others as they were stored.
        var partial = try UserHistory(json: Array(stored.utf8), reading: [country])
        #expect(partial.days.keys.sorted { $0.name < $1.name } == [country])
        var more = UserCounterChanges()
        #expect(partial.record([(country, 19_002)], source: "app", into: &more))
        #expect(counts(more) == ["country 19002 19000": 1])
        let merged = try UserHistory(json: Array(partial.json.utf8))
        var expected = history.days
        expected[country] = [19_000, 19_002]
        #expect(merged.days == expected)
    }

    /// A history cost a byte per day between a user's first and last day, per dimension: events dated
    /// 0001-01-01 and 9999-12-31 made ~3.6 MB per dimension, rebuilt on every batch of that user.
    @Test func aHistoryCostsWhatTheActiveDaysCostWhateverTheirSpread() throws {
        let first = UTCCalendar.day(year: 1, month: 1, day: 1)
        let last = UTCCalendar.day(year: 9999, month: 12, day: 31)
        var history = UserHistory()
        var changes = UserCounterChanges()
        let days: [Int64] = [first, first + 1, first + 2, 0, last]
        let activity: [(UserDimension, Int64)] = days.flatMap { day in [(UserDimension.user, day), (country, day)] }
        _ = history.record(activity, source: "app", into: &changes)
        let stored = history.json
        #expect(stored.utf8.count < 200, "\(stored.utf8.count) bytes")
        #expect(stored.contains("[\(first),3,0,1,\(last),1]"))
        #expect(try UserHistory(json: Array(stored.utf8)).days == history.days)
    }

    @Test func historiesStoredAsDayBitsAreStillRead() throws {
        let legacy = #"[["users","",20000,"1001"],["country","UA",19000,"1"]]"#
        var history = try UserHistory(json: Array(legacy.utf8))
        #expect(history.days == [.user: [20_000, 20_003], country: [19_000]])
        var changes = UserCounterChanges()
        #expect(history.record([(.user, 20_001)], source: "app", into: &changes))
        #expect(history.json == #"[["country","UA",[19000,1]],["users","",[20000,2,20003,1]]]"#)
    }

    @Test func aValueWasActiveInARangeWhenOneOfItsDaysFallsInIt() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var history = UserHistory()
            for _ in 0..<Int.random(in: 0...8, using: &random) {
                _ = history.insert(Int64.random(in: 100..<140, using: &random), for: country)
            }
            let read = try UserHistory(json: Array(history.json.utf8), reading: [country])
            let days = history.days[country] ?? []
            for from in Int64(95)..<145 {
                for to in [from, from + 1, from + 3, from + 50] {
                    #expect(read.wasActive(country, onAnyDayIn: from..<to) == days.contains { $0 >= from && $0 < to }, "\(days) in [\(from), \(to))")
                }
            }
            #expect(!read.wasActive(.user, onAnyDayIn: 0..<1_000), "a value never recorded")
        }
        // A dimension left unread is never active: the reader asked only for what it checks.
        var both = UserHistory()
        _ = both.insert(120, for: .user)
        #expect(try !UserHistory(json: Array(both.json.utf8), reading: [country]).wasActive(.user, onAnyDayIn: 0..<1_000))
        #expect(try UserHistory(json: Array(both.json.utf8), reading: [.user]).wasActive(.user, onAnyDayIn: 120..<121))
    }

    @Test func anEventCountsItsUserUnderEveryFieldItCarries() {
        let event = EventRecord(source: .facebook, eventId: "e", eventType: "ad.click", funnelStage: .bottom, occurredAt: 0,
                                userId: "u", country: "PL", city: "Warsaw", device: "mobile", age: 30, gender: "female", byteRange: 0..<1)
        #expect(UserDimension.all(of: event).map { "\($0.name)=\($0.value)" } == [
            "users=", "event_type=ad.click", "stage=bottom", "country=PL", "device=mobile", "city=Warsaw",
            "age=25-34", "gender=female",
        ])
        let product = EventRecord(source: .app, eventId: "p", eventType: "signup", funnelStage: nil, occurredAt: 0, userId: "u", byteRange: 0..<1)
        #expect(UserDimension.all(of: product).map(\.name) == ["users", "event_type"])
    }
}
