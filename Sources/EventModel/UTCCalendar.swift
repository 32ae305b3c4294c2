internal import Foundation

/// The UTC day, hour and ISO week of an event time, as the aggregates bucket them (contract section 5:
/// days, hours and weeks are UTC, weeks start on Monday).
///
/// Plain integer arithmetic on microseconds since the Unix epoch, written out as the text PostgreSQL reads
/// for `date` and `timestamptz`, so that bucketing never depends on a session's time zone and costs no
/// Foundation calendar per event.
public enum UTCCalendar {
    static let microsecondsPerSecond: Int64 = 1_000_000
    static let microsecondsPerDay: Int64 = 86_400 * 1_000_000

    /// Today's day number (days since 1970-01-01), from the wall clock.
    public static func today() -> Int64 {
        day(ofMicroseconds: Int64(Date().timeIntervalSince1970 * 1_000_000))
    }

    /// Days since 1970-01-01 of the UTC day holding `microseconds`.
    public static func day(ofMicroseconds microseconds: Int64) -> Int64 {
        floorDivide(microseconds, microsecondsPerDay)
    }

    /// The Monday (days since 1970-01-01) starting the ISO week that holds `day`.
    public static func weekStart(ofDay day: Int64) -> Int64 {
        // 1970-01-01 was a Thursday: day + 3 counts days since the Monday before it.
        day - floorModulo(day + 3, 7)
    }

    /// `2025-01-31` for a day number.
    public static func dateText(ofDay day: Int64) -> String {
        let (year, month, dayOfMonth) = civil(fromDay: day)
        var text = pad(year, 4)
        text += "-"
        text += pad(month, 2)
        text += "-"
        text += pad(dayOfMonth, 2)
        return text
    }

    /// `2025-01-31 13:00:00+00`: the start of the UTC hour holding `microseconds`.
    public static func hourText(ofMicroseconds microseconds: Int64) -> String {
        let day = day(ofMicroseconds: microseconds)
        let hour = (microseconds - day * microsecondsPerDay) / (3_600 * microsecondsPerSecond)
        return dateText(ofDay: day) + " " + pad(hour, 2) + ":00:00+00"
    }

    /// `2025-01-31 13:04:05.250000+00`: the exact instant, to the microsecond.
    public static func timestampText(ofMicroseconds microseconds: Int64) -> String {
        let day = day(ofMicroseconds: microseconds)
        let ofDay = microseconds - day * microsecondsPerDay
        let seconds = ofDay / microsecondsPerSecond
        var text = dateText(ofDay: day)
        text += " "
        text += pad(seconds / 3_600, 2)
        text += ":"
        text += pad(seconds / 60 % 60, 2)
        text += ":"
        text += pad(seconds % 60, 2)
        text += "."
        text += pad(ofDay % microsecondsPerSecond, 6)
        text += "+00"
        return text
    }

    /// `2025-01-31T13:04:05Z`: the instant to the second, as the contract writes date-times.
    public static func isoText(ofMicroseconds microseconds: Int64) -> String {
        let day = day(ofMicroseconds: microseconds)
        let seconds = (microseconds - day * microsecondsPerDay) / microsecondsPerSecond
        return dateText(ofDay: day) + "T" + pad(seconds / 3_600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":"
            + pad(seconds % 60, 2) + "Z"
    }

    /// Year, month and day of a day number (proleptic Gregorian; Howard Hinnant's civil-from-days).
    public static func civil(fromDay day: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = day + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfMonth)
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
        a - floorDivide(a, b) * b
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.utf8.count >= width ? digits : String(repeating: "0", count: width - digits.utf8.count) + digits
    }
}

extension UTCCalendar {
    /// The day number (days since 1970-01-01) of a calendar date (Howard Hinnant's days-from-civil).
    public static func day(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
