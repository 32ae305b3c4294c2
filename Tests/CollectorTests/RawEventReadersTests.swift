@testable import Collector
import EventModel
import Postgres
import Testing

/// The SQL functions of schema version 6 read what the collector's Swift code derives (the reporter
/// relies on them for the ragged edges of a range): they must agree with it exactly.
@Suite struct RawEventReadersTests {
    @Test func historyValuesBetweenDaysAgreeWithUserHistory() async throws {
        try await TestDatabase.with { database in
            var random = SystemRandomNumberGenerator()
            let dimensions = [UserDimension.user, UserDimension(name: "country", value: "UA"),
                              UserDimension(name: "event_type", value: "ad.click"), UserDimension(name: "city", value: "Kyiv, \"Center\"")]
            for _ in 0..<40 {
                var history = UserHistory()
                var changes = UserCounterChanges()
                var activity: [(UserDimension, Int64)] = []
                for dimension in dimensions where Bool.random(using: &random) || dimension == .user {
                    for _ in 0..<Int.random(in: 1...6, using: &random) {
                        activity.append((dimension, 20_400 + Int64.random(in: 0..<40, using: &random)))
                    }
                }
                _ = history.record(activity, source: "facebook", into: &changes)
                let json = history.json
                for _ in 0..<10 {
                    let from = 20_395 + Int64.random(in: 0..<50, using: &random)
                    let to = from + Int64.random(in: 0..<12, using: &random)
                    let wanted = Set(["users", "country", "event_type", "city"].filter { _ in Bool.random(using: &random) })
                    let expected = Set(history.days.compactMap { dimension, days in
                        wanted.contains(dimension.name) && days.contains { $0 >= from && $0 < to } ? "\(dimension.name)=\(dimension.value)" : nil
                    })
                    let rows = try await database.client.query("""
                        SELECT dimension, value FROM user_history_values_between(
                            \(json), \(UTCCalendar.dateText(ofDay: from))::date, \(UTCCalendar.dateText(ofDay: to))::date,
                            \("{" + wanted.sorted().joined(separator: ",") + "}")::text[])
                        """)
                    let found = Set(try rows.map { "\(try $0.decode(String.self, column: "dimension"))=\(try $0.decode(String.self, column: "value"))" })
                    #expect(found == expected, "\(json) in [\(from), \(to))")
                }
            }
            // An empty range has no values, also when a run covers the day before it (found by the loop above).
            let covered = try await database.client.query("""
                SELECT count(*) AS n FROM user_history_values_between(\(#"[["users","",[20408,2]]]"#), \
                \(UTCCalendar.dateText(ofDay: 20_409))::date, \(UTCCalendar.dateText(ofDay: 20_409))::date, '{users}'::text[])
                """)[0].decode(Int.self, column: "n")
            #expect(covered == 0)
        }
    }

    @Test func bucketsAgreeWithAgeBucketAndFollowerBucket() async throws {
        try await TestDatabase.with { database in
            for age in [0, 12, 13, 17, 18, 24, 25, 34, 35, 44, 45, 54, 55, 64, 65, 120] {
                let bucket = try await database.client.query("SELECT age_bucket(\(age)::integer) AS b")[0].decode(String.self, column: "b")
                #expect(bucket == AgeBucket(age: age).rawValue, "age \(age)")
            }
            for followers in [0, 999, 1_000, 9_999, 10_000, 99_999, 100_000, 999_999, 1_000_000, 5_000_000_000] {
                let bucket = try await database.client.query("SELECT follower_bucket(\(followers)::bigint) AS b")[0].decode(String.self, column: "b")
                #expect(bucket == FollowerBucket(followers: followers).rawValue, "followers \(followers)")
            }
            let none = try await database.client.query("SELECT age_bucket(NULL) AS a, follower_bucket(NULL) AS f")[0]
            #expect(try none.decode(String?.self, column: "a") == nil && none.decode(String?.self, column: "f") == nil)
        }
    }
}
