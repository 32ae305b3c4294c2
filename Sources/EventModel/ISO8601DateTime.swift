/// The date-times of the contract: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`.
///
/// This is RFC 3339's profile of ISO-8601, checked against the calendar (month 1-12, the day exists
/// in that month of that year, hour < 24, minute and second < 60). Deliberately not accepted: a
/// date or time alone, a missing offset (a local time names no instant), the basic format without
/// separators, lowercase `t`/`z`, and leap second 60. Fractions may have any number of digits;
/// digits past the sixth (below a microsecond) are truncated.
enum ISO8601DateTime {
    /// Microseconds since 1970-01-01T00:00:00Z, or nil when `text` is not such a date-time.
    static func microsecondsSinceEpoch(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var reader = DigitReader(text: text)
        guard let year = reader.number(digits: 4), reader.skip(.minus),
            let month = reader.number(digits: 2), reader.skip(.minus),
            let day = reader.number(digits: 2), reader.skip(UInt8(ascii: "T")),
            let hour = reader.number(digits: 2), reader.skip(.colon),
            let minute = reader.number(digits: 2), reader.skip(.colon),
            let second = reader.number(digits: 2)
        else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }

        var microseconds: Int64 = 0
        if reader.skip(.dot) {
            var digits = 0
            while let digit = reader.digit() {
                if digits < 6 { microseconds = microseconds * 10 + Int64(digit) }
                digits += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { microseconds *= 10 }
        }

        var offsetSeconds = 0
        if !reader.skip(UInt8(ascii: "Z")) {
            let sign: Int
            if reader.skip(.plus) {
                sign = 1
            } else if reader.skip(.minus) {
                sign = -1
            } else {
                return nil
            }
            guard let offsetHours = reader.number(digits: 2), reader.skip(.colon),
                let offsetMinutes = reader.number(digits: 2), offsetHours < 24, offsetMinutes < 60
            else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard reader.isAtEnd else { return nil }

        let days = UTCCalendar.day(year: Int64(year), month: Int64(month), day: Int64(day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        return seconds * 1_000_000 + microseconds
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Reads fixed-width ASCII fields from the front of a byte buffer.
struct DigitReader {
    let text: UnsafeBufferPointer<UInt8>
    var index = 0

    var isAtEnd: Bool { index == text.count }

    /// Consumes `byte` if it comes next.
    mutating func skip(_ byte: UInt8) -> Bool {
        guard index < text.count, text[index] == byte else { return false }
        index += 1
        return true
    }

    /// Consumes one decimal digit if one comes next.
    mutating func digit() -> Int? {
        guard index < text.count, text[index].isDigit else { return nil }
        defer { index += 1 }
        return Int(text[index] &- .zero)
    }

    /// Consumes exactly `digits` decimal digits.
    mutating func number(digits: Int) -> Int? {
        var value = 0
        for _ in 0..<digits {
            guard let digit = digit() else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}
