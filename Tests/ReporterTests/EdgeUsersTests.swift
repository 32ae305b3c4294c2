import EventModel
@testable import Reporter
import Testing
import UserActivity

/// Who a range's ragged edges add to, or take from, the counters of its days. The route tests check whole
/// answers against SQL over the raw events; these pin down each rule alone.
@Suite struct EdgeUsersTests {
    let ukraine = UserDimension(name: "country", value: "UA")
    let poland = UserDimension(name: "country", value: "PL")

    /// A stored history with `dimension` active on `days`.
    func history(_ entries: (UserDimension, [Int64])...) -> [UInt8] {
        var history = UserHistory()
        for (dimension, days) in entries {
            for day in days { _ = history.insert(day, for: dimension) }
        }
        return Array(history.json.utf8)
    }

    /// What the reporter does with the candidates: each one's changes, with their history when there is one.
    func changes(_ edges: EdgeUsers, histories: [UserKey: [UInt8]], wholeDays: Range<Int64>) throws -> [EdgeUsers.CountKey: Int] {
        var counts: [EdgeUsers.CountKey: Int] = [:]
        for (user, values) in edges.candidates {
            try edges.addChanges(of: user, values: values, history: histories[user], wholeDays: wholeDays, to: &counts)
        }
        return counts
    }

    func user(_ id: String, _ source: String = "facebook") -> UserKey {
        UserKey(source: source, userId: BytewiseString(id))
    }

    @Test func edgeUsersAddWhatNoWholeDayCounts() throws {
        var edges = EdgeUsers(mode: .added)
        edges.add(source: "facebook", user: "a", inside: true, dimensions: [.user, ukraine])
        edges.add(source: "facebook", user: "a", inside: true, dimensions: [.user, poland])
        edges.add(source: "facebook", user: "b", inside: true, dimensions: [.user, ukraine])
        edges.add(source: "tiktok", user: "a", inside: true, dimensions: [.user])
        let candidates = edges.candidates
        #expect(Set(candidates.keys) == [user("a"), user("b"), user("a", "tiktok")])
        #expect(candidates[user("a")] == [.user, ukraine, poland], "each value once, however many events carry it")

        // a was active on a whole day (20..<30) as a user and in Ukraine, not in Poland; b only before them.
        let histories = [user("a"): history((.user, [25]), (ukraine, [29]), (poland, [30])), user("b"): history((.user, [19]), (ukraine, [19]))]
        let counted = try changes(edges, histories: histories, wholeDays: 20..<30)
        #expect(counted == [
            .init(source: "facebook", dimension: poland): 1,
            .init(source: "facebook", dimension: .user): 1,
            .init(source: "facebook", dimension: ukraine): 1,
            .init(source: "tiktok", dimension: .user): 1,
        ])
    }

    @Test func theComplementTakesAwayWhatWasSeenOnlyOutsideTheRangeAndOnNoWholeDay() throws {
        var edges = EdgeUsers(mode: .takenAway)
        // a: outside and inside as a user, Poland only outside; b: only outside; c: only inside.
        edges.add(source: "app", user: "a", inside: false, dimensions: [.user, poland])
        edges.add(source: "app", user: "a", inside: true, dimensions: [.user, ukraine])
        edges.add(source: "app", user: "b", inside: false, dimensions: [.user, ukraine])
        edges.add(source: "app", user: "c", inside: true, dimensions: [.user, ukraine])
        let candidates = edges.candidates
        #expect(candidates == [user("a", "app"): [poland], user("b", "app"): [.user, ukraine]])

        // b was active in Ukraine on a whole day: only b's `users` value leaves the counters, with a's Poland.
        let counted = try changes(edges, histories: [user("b", "app"): history((ukraine, [21]))], wholeDays: 20..<22)
        #expect(counted == [.init(source: "app", dimension: poland): -1, .init(source: "app", dimension: .user): -1])
    }

    @Test func usersAreTheSameOnlyWhenTheirIdsAreTheSameBytes() {
        var edges = EdgeUsers(mode: .added)
        edges.add(source: "facebook", user: "caf\u{E9}", inside: true, dimensions: [.user])
        edges.add(source: "facebook", user: "cafe\u{301}", inside: true, dimensions: [.user])
        #expect(edges.candidates.count == 2, "two users in PostgreSQL, though Swift's String == calls them equal")
    }

    @Test func anUnreadableHistoryIsAnErrorNotAUserWithoutDays() {
        var edges = EdgeUsers(mode: .added)
        edges.add(source: "facebook", user: "a", inside: true, dimensions: [.user])
        #expect(throws: UserHistoryError.self) {
            try changes(edges, histories: [user("a"): Array("[[\"users\"]]".utf8)], wholeDays: 0..<1)
        }
    }
}
