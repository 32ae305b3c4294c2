public import Foundation

/// A Swift value that can be sent to PostgreSQL as a bind parameter (`$1`, `$2`, ...) or a COPY field.
///
/// Values travel in PostgreSQL's text format: the server parses `postgresText` with the input function of the
/// parameter's (inferred) type, exactly as it would parse a quoted literal, but without any quoting, so the
/// value can never be mistaken for SQL.
///
/// Conforming types: `String`, `Int`, `Int32`, `Int64`, `Double`, `Bool`, `Decimal`, `UUID`,
/// `Date` (an ISO-8601 UTC timestamp, for `timestamptz`), `[UInt8]` and `Data` (for `bytea`),
/// and `Optional` of any of them (`nil` is SQL NULL).
public protocol PostgresBindable: Sendable {
    /// The value in PostgreSQL's text format, or nil for SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresBindable {
    public var postgresText: String? { self }
}

extension Substring: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Int: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresBindable {
    public var postgresText: String? { String(self) }
}

extension Double: PostgresBindable {
    public var postgresText: String? {
        // Swift spells these "nan" / "inf"; PostgreSQL's float8 input wants its own spelling.
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return description
    }
}

extension Bool: PostgresBindable {
    public var postgresText: String? { self ? "true" : "false" }
}

extension Decimal: PostgresBindable {
    /// `Decimal.description` is locale-independent (`123.45`), which is what `numeric` input expects.
    public var postgresText: String? { isNaN ? "NaN" : description }
}

extension UUID: PostgresBindable {
    public var postgresText: String? { uuidString.lowercased() }
}

extension Date: PostgresBindable {
    /// An ISO-8601 timestamp in UTC with microseconds (PostgreSQL's precision), e.g.
    /// `2024-05-01T12:30:00.250000Z`; it is the same instant whatever the session's `TimeZone`.
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

extension Array: PostgresBindable where Element == UInt8 {
    /// `bytea` in hex format: `\x` followed by two hex digits per byte.
    public var postgresText: String? { PostgresBytea.hexText(self) }
}

extension Data: PostgresBindable {
    /// `bytea` in hex format: `\x` followed by two hex digits per byte.
    public var postgresText: String? { PostgresBytea.hexText(self) }
}

extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    public var postgresText: String? {
        switch self {
        case .none: nil
        case .some(let wrapped): wrapped.postgresText
        }
    }
}

/// `bytea`'s hex text format (the server's default `bytea_output` since PostgreSQL 9.0).
enum PostgresBytea {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func hexText(_ bytes: some Collection<UInt8>) -> String {
        var text = [UInt8]()
        text.reserveCapacity(2 + 2 * bytes.count)
        text.append(UInt8(ascii: "\\"))
        text.append(UInt8(ascii: "x"))
        for byte in bytes {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Parses `\x0a1b...`; nil for anything else (including the legacy `escape` output format).
    static func bytes(fromHexText text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            return nil
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A `text[]` bind parameter: each element quoted, so any text (commas, quotes, braces, backslashes, the
/// word NULL) arrives as itself. Bind it as `\(PostgresTextArray(ids))::text[]`.
public struct PostgresTextArray: PostgresBindable, Hashable {
    public var elements: [String]

    public init(_ elements: [String]) {
        self.elements = elements
    }

    public var postgresText: String? {
        var text = "{"
        text.reserveCapacity(elements.reduce(2) { $0 + $1.utf8.count + 3 })
        for (index, element) in elements.enumerated() {
            if index > 0 { text.append(",") }
            text.append("\"")
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { text.append("\\") }
                text.unicodeScalars.append(character)
            }
            text.append("\"")
        }
        text.append("}")
        return text
    }
}
