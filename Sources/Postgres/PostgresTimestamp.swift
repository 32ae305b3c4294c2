internal import Foundation

/// Conversions between `Date` and PostgreSQL's ISO timestamp text, with microsecond precision.
///
/// Written by hand (civil-date arithmetic) rather than with `ISO8601DateFormatter`/`Calendar` because those
/// stop at milliseconds and are slow enough to matter when decoding many rows.
enum PostgresTimestamp {
    private static let unixEpochFromReferenceDate: Int64 = 978_307_200
    private static let microsPerSecond: Int64 = 1_000_000
    private static let microsPerDay: Int64 = 86_400 * 1_000_000

    /// `2024-05-01T12:30:00.250000Z`.
    static func format(_ date: Date) -> String {
        // Split the stored Double before scaling so that large instants keep their microseconds.
        let sinceReference = date.timeIntervalSinceReferenceDate
        let wholeSeconds = sinceReference.rounded(.down)
        let micros = Int64(((sinceReference - wholeSeconds) * 1_000_000).rounded())
        let total = (Int64(wholeSeconds) + unixEpochFromReferenceDate) * microsPerSecond + micros

        let days = floorDivide(total, microsPerDay)
        let microsOfDay = total - days * microsPerDay
        let (year, month, day) = civil(fromDaysSinceEpoch: days)
        let secondsOfDay = microsOfDay / microsPerSecond
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
            + "T" + pad(secondsOfDay / 3600, 2) + ":" + pad(secondsOfDay / 60 % 60, 2) + ":" + pad(secondsOfDay % 60, 2)
            + "." + pad(microsOfDay % microsPerSecond, 6) + "Z"
    }

    /// Parses the `ISO` DateStyle output of `timestamptz` (`2024-05-01 14:30:00.25+02`, any offset),
    /// `timestamp` (no offset: taken as UTC) and `date` (`2024-05-01`: midnight UTC). Also accepts `T` and `Z`.
    /// Returns nil for anything else (`infinity`, BC dates, other DateStyles).
    static func parse(_ text: String) -> Date? {
        var scanner = Scanner(Array(text.utf8))
        guard let year = scanner.number(minDigits: 4, maxDigits: 9), scanner.skip("-"),
              let month = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip("-"),
              let day = scanner.number(minDigits: 2, maxDigits: 2),
              (1...12).contains(month), (1...31).contains(day)
        else { return nil }

        var micros = daysSinceEpoch(year: year, month: month, day: day) * microsPerDay
        if scanner.skip(" ") || scanner.skip("T") {
            guard let hour = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(":"),
                  let minute = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(":"),
                  let second = scanner.number(minDigits: 2, maxDigits: 2),
                  hour <= 24, minute < 60, second < 61
            else { return nil }
            micros += ((hour * 60 + minute) * 60 + second) * microsPerSecond
            if scanner.skip(".") {
                let start = scanner.index
                guard let fraction = scanner.number(minDigits: 1, maxDigits: 9) else { return nil }
                var scaled = fraction
                var digits = scanner.index - start
                while digits < 6 { scaled *= 10; digits += 1 }
                while digits > 6 { scaled /= 10; digits -= 1 }
                micros += scaled
            }
            if scanner.skip("Z") {
                // UTC
            } else if let sign = scanner.sign() {
                guard let offsetHours = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                var offsetSeconds = offsetHours * 3600
                if scanner.skip(":") {
                    guard let offsetMinutes = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                    offsetSeconds += offsetMinutes * 60
                    if scanner.skip(":") {
                        guard let extra = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                        offsetSeconds += extra
                    }
                }
                // Local time = UTC + offset, so UTC = local - offset.
                micros -= sign * offsetSeconds * microsPerSecond
            }
        }
        guard scanner.isAtEnd else { return nil }

        let seconds = floorDivide(micros, microsPerSecond)
        let fraction = micros - seconds * microsPerSecond
        return Date(
            timeIntervalSinceReferenceDate: Double(seconds - unixEpochFromReferenceDate) + Double(fraction) / 1_000_000
        )
    }

    // MARK: Civil calendar arithmetic (proleptic Gregorian; Howard Hinnant's algorithms)

    private static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDaysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var isAtEnd: Bool { index == bytes.count }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        mutating func sign() -> Int64? {
            if skip("+") { return 1 }
            if skip("-") { return -1 }
            return nil
        }

        mutating func number(minDigits: Int, maxDigits: Int) -> Int64? {
            var value: Int64 = 0
            var count = 0
            while index < bytes.count, count < maxDigits, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
                index += 1
                count += 1
            }
            return count >= minDigits ? value : nil
        }
    }
}
