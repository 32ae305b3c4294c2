internal import Foundation

/// What the platform can store (contract section 1.3): an event that breaks this rule is refused where it
/// enters (the gateway, the CSV importer) as an invalid event, never answered 202 and then dead-lettered.
///
/// - Integers fit the column that keeps them (`age` is an `integer`: at most 2,147,483,647).
/// - The event time lies in a window, by default from 1970-01-01T00:00:00Z to one day after the current
///   time: older times are clocks reset to zero or typos, later ones clocks gone wrong (one day covers
///   every time zone and ordinary skew). Both ends are settings.
/// - Strings the platform keeps in columns (user id, event type, country, city, device, campaign id)
///   hold no NUL character (PostgreSQL `text` cannot) and at most ``maximumStringLength`` characters
///   (they are index keys of the aggregates; an index entry must stay well under PostgreSQL's ~2.7 kB).
/// - Amounts have at most ``maximumAmountDigits`` digits.
/// - One event is at most ``maximumEventBytes`` of JSON, so that its Kafka record fits the broker's limit.
public struct StorabilityRule: Sendable, Hashable {
    /// The earliest event time accepted, in microseconds since 1970-01-01T00:00:00Z.
    public var earliestTime: Int64
    /// How far past the current time an event time may lie, in microseconds; nil for no limit but the
    /// store's (the end of year 9999).
    public var maximumTimeAhead: Int64?
    /// The largest event, in bytes of its JSON text.
    public var maximumEventBytes: Int

    /// Characters (Unicode scalars, as PostgreSQL counts them) of a string the platform keeps.
    public static let maximumStringLength = 256
    /// Digits of an amount, integer and fraction digits together (as `numeric(38)` elsewhere): any price,
    /// and sums of them stay exact.
    public static let maximumAmountDigits = 38
    /// The largest value of an integer field stored as PostgreSQL `integer` (`age`).
    public static let maximumInteger = Int(Int32.max)
    /// The broker's record size limit (librdkafka's `message.max.bytes` default) less room for the key (a
    /// user id of at most 256 characters) and the headers, the dead-letter topic's included.
    public static let defaultMaximumEventBytes = 1_000_000 - 16 * 1024
    /// 1970-01-01T00:00:00Z.
    public static let defaultEarliestTime: Int64 = 0
    /// One day.
    public static let defaultMaximumTimeAhead: Int64 = 86_400 * 1_000_000

    /// The earliest and latest times the store itself keeps: years 0001 to 9999 (PostgreSQL has no year
    /// 0, and the contract's date-times have four-digit years).
    static let storeEarliestTime: Int64 = -62_135_596_800 * 1_000_000
    static let storeLatestTime: Int64 = 253_402_300_799_999_999

    /// The rule with the defaults above, or other time window and event size limits.
    public init(
        earliestTime: Int64 = defaultEarliestTime,
        maximumTimeAhead: Int64? = defaultMaximumTimeAhead,
        maximumEventBytes: Int = defaultMaximumEventBytes
    ) {
        self.earliestTime = earliestTime
        self.maximumTimeAhead = maximumTimeAhead
        self.maximumEventBytes = maximumEventBytes
    }

    /// What the store can keep whatever the window and size settings: how collectors check the events
    /// already in Kafka, which the gateway accepted under settings that may have changed since.
    public static let store = StorabilityRule(earliestTime: storeEarliestTime, maximumTimeAhead: nil, maximumEventBytes: .max)

    /// The times accepted now, in microseconds since the epoch.
    func timeWindow() -> ClosedRange<Int64> {
        let earliest = max(earliestTime, Self.storeEarliestTime)
        guard let maximumTimeAhead else { return earliest...Self.storeLatestTime }
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        return earliest...max(earliest, min(Self.storeLatestTime, now + maximumTimeAhead))
    }

    /// Microseconds since the epoch of an ISO-8601 date-time as the contract writes them
    /// (`2025-01-31T00:00:00Z`), for settings of the window; nil when `text` is not one.
    public static func microseconds(ofDateTime text: String) -> Int64? {
        var text = text
        return text.withUTF8 { ISO8601DateTime.microsecondsSinceEpoch($0) }
    }

    /// Why a string the platform keeps cannot be stored, or nil when it can.
    static func problem(ofKeptString value: String) -> String? {
        if value.utf8.contains(0) { return "must not contain NUL characters" }
        if value.utf8.count > maximumStringLength, value.unicodeScalars.count > maximumStringLength {
            return "must be at most \(maximumStringLength) characters"
        }
        return nil
    }

    /// Whether decimal `text` (digits and at most one dot) has at most ``maximumAmountDigits`` digits.
    static func isStorable(amount text: String) -> Bool {
        text.utf8.count - (text.utf8.contains(.dot) ? 1 : 0) <= maximumAmountDigits
    }
}
