@testable import Collector
import EventModel
import UserActivity
import Postgres
import Testing

/// The pure logic the aggregates bucket events with.
@Suite struct CalendarAndBucketTests {
    private static let microsPerDay: Int64 = 86_400_000_000

    @Test func ageBucketsFollowTheContractBoundaries() {
        let expected: [(Int, AgeBucket)] = [
            (0, .under13), (12, .under13), (13, .from13To17), (17, .from13To17), (18, .from18To24), (24, .from18To24),
            (25, .from25To34), (34, .from25To34), (35, .from35To44), (44, .from35To44), (45, .from45To54),
            (54, .from45To54), (55, .from55To64), (64, .from55To64), (65, .from65), (120, .from65),
        ]
        for (age, bucket) in expected {
            #expect(AgeBucket(age: age) == bucket, "age \(age)")
        }
        #expect(AgeBucket.allCases.map(\.rawValue) == ["under-13", "13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"])
    }

    @Test func followerBucketsIncludeTheirLowerBound() {
        let expected: [(Int, FollowerBucket)] = [
            (0, .below1k), (999, .below1k), (1_000, .from1kTo10k), (9_999, .from1kTo10k), (10_000, .from10kTo100k),
            (99_999, .from10kTo100k), (100_000, .from100kTo1M), (999_999, .from100kTo1M), (1_000_000, .from1M),
            (50_000_000, .from1M),
        ]
        for (followers, bucket) in expected {
            #expect(FollowerBucket(followers: followers) == bucket, "followers \(followers)")
        }
        #expect(FollowerBucket.allCases.map(\.rawValue) == ["0-999", "1k-10k", "10k-100k", "100k-1M", "1M+"])
    }

    @Test func daysAreUTCAndRoundDown() {
        #expect(UTCCalendar.day(ofMicroseconds: 0) == 0)
        #expect(UTCCalendar.day(ofMicroseconds: Self.microsPerDay - 1) == 0)
        #expect(UTCCalendar.day(ofMicroseconds: Self.microsPerDay) == 1)
        #expect(UTCCalendar.day(ofMicroseconds: -1) == -1)
        let day = UTCCalendar.day(year: 2025, month: 1, day: 15)
        #expect(UTCCalendar.dateText(ofDay: day) == "2025-01-15")
        #expect(UTCCalendar.dateText(ofDay: UTCCalendar.day(year: 2024, month: 2, day: 29)) == "2024-02-29")
        #expect(UTCCalendar.dateText(ofDay: -1) == "1969-12-31")
    }

    @Test func dayNumbersAndDatesRoundTripOverCenturies() {
        for day in stride(from: Int64(-200_000), through: 200_000, by: 37) {
            let (year, month, dayOfMonth) = UTCCalendar.civil(fromDay: day)
            #expect(UTCCalendar.day(year: year, month: month, day: dayOfMonth) == day)
        }
    }

    @Test func isoWeeksStartOnMonday() {
        let monday = UTCCalendar.day(year: 2025, month: 1, day: 13)
        for offset in Int64(0)..<7 {
            #expect(UTCCalendar.weekStart(ofDay: monday + offset) == monday, "day \(offset) of the week")
        }
        #expect(UTCCalendar.weekStart(ofDay: monday - 1) == monday - 7)
        // 1970-01-01 was a Thursday; its week began on Monday 1969-12-29.
        #expect(UTCCalendar.dateText(ofDay: UTCCalendar.weekStart(ofDay: 0)) == "1969-12-29")
        // A year boundary inside a week: 2026-01-01 (Thursday) belongs to the week of 2025-12-29.
        #expect(UTCCalendar.dateText(ofDay: UTCCalendar.weekStart(ofDay: UTCCalendar.day(year: 2026, month: 1, day: 1))) == "2025-12-29")
    }

    @Test func timestampsKeepMicrosecondsAndHoursTruncate() {
        let micros = UTCCalendar.day(year: 2025, month: 1, day: 31) * Self.microsPerDay
            + ((13 * 60 + 4) * 60 + 5) * 1_000_000 + 250_001
        #expect(UTCCalendar.timestampText(ofMicroseconds: micros) == "2025-01-31 13:04:05.250001+00")
        #expect(UTCCalendar.hourText(ofMicroseconds: micros) == "2025-01-31 13:00:00+00")
        #expect(UTCCalendar.timestampText(ofMicroseconds: -1) == "1969-12-31 23:59:59.999999+00")
    }

    @Test func partitionNamesMapToTheirDays() {
        let day = UTCCalendar.day(year: 2025, month: 12, day: 31)
        #expect(EventPartitions.name(ofDay: day) == "events_20251231")
        #expect(EventPartitions.day(ofName: "events_20251231") == day)
        #expect(EventPartitions.day(ofName: "events_default") == nil)
        #expect(EventPartitions.day(ofName: "events_20251341") == nil)
        #expect(EventPartitions.day(ofName: "event_keys") == nil)
    }

    @Test func retriesBackOffExponentiallyUpToTheMaximum() {
        let policy = RetryPolicy(initial: .milliseconds(100), maximum: .seconds(1))
        #expect((1...6).map { policy.delay(afterFailures: $0) } == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
        ])
    }

    @Test func dataErrorsAreRejectedDataAndTheRestIsTransient() {
        #expect(StorageFailure(PostgresError(code: .copyFailed, sqlState: "22P02", message: "bad numeric")) == .rejectedData)
        #expect(StorageFailure(PostgresError(code: .queryFailed, sqlState: "23502", message: "null")) == .rejectedData)
        #expect(StorageFailure(PostgresError(code: .queryFailed, sqlState: "23514", message: "no partition")) == .missingPartition)
        #expect(StorageFailure(PostgresError(code: .queryFailed, sqlState: "57P01", message: "terminating")) == .transient)
        #expect(StorageFailure(PostgresError(code: .queryFailed, sqlState: "40P01", message: "deadlock")) == .transient)
        #expect(StorageFailure(PostgresError(code: .queryFailed, sqlState: "53200", message: "out of shared memory")) == .lockTableFull)
        #expect(StorageFailure(PostgresError(code: .connectionClosed, message: "gone")) == .transient)
        #expect(StorageFailure(PostgresError(code: .connectionFailed, message: "refused")) == .transient)
    }
}
