@testable import Collector
import EventModel
import UserActivity
import Postgres
import Testing

/// The SQL bucket functions of schema version 6 derive what the collector's Swift code derives (the reporter
/// reads the ragged edges of a range with them): they must agree with it exactly.
@Suite struct RawEventReadersTests {
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
