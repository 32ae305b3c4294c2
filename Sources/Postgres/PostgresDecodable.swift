public import Foundation

/// A Swift type that can be decoded from a column of a query result (PostgreSQL's text format).
///
/// Conforming types: `String`, `Int`, `Int32`, `Int64`, `Double`, `Bool`, `Decimal`, `UUID`,
/// `Date` (from `timestamptz`, `timestamp` or `date` in the default `ISO` DateStyle), `[UInt8]` and `Data`
/// (from `bytea` in the default hex output format), and `Optional` of any of them, which is how a column
/// that may be NULL is read: `row.decode(String?.self, column: "note")`.
public protocol PostgresDecodable: Sendable {
    /// Creates a value from the text of a non-NULL column; nil when `text` is not a valid representation.
    init?(postgresText text: String)

    /// The value SQL NULL decodes to, or nil when the type cannot represent NULL (the default);
    /// decoding NULL into such a type fails with `PostgresError.Code.decodingFailed`.
    static var postgresNull: Self? { get }
}

extension PostgresDecodable {
    public static var postgresNull: Self? { nil }
}

extension String: PostgresDecodable {
    public init?(postgresText text: String) { self = text }
}

extension Int: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int32: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int64: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Double: PostgresDecodable {
    public init?(postgresText text: String) {
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default: self.init(text)
        }
    }
}

extension Bool: PostgresDecodable {
    public init?(postgresText text: String) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension Decimal: PostgresDecodable {
    public init?(postgresText text: String) {
        if text == "NaN" {
            self = .nan
            return
        }
        // `Decimal(string:)` stops at the first unexpected character ("12abc" gives 12), so check the
        // text is a plain numeric literal first.
        let allowed = Set("0123456789+-.eE".utf8)
        guard !text.isEmpty, text.utf8.allSatisfy(allowed.contains),
              let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        else { return nil }
        self = value
    }
}

extension UUID: PostgresDecodable {
    public init?(postgresText text: String) { self.init(uuidString: text) }
}

extension Date: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let date = PostgresTimestamp.parse(text) else { return nil }
        self = date
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    public init?(postgresText text: String) {
        guard let bytes = PostgresBytea.bytes(fromHexText: text) else { return nil }
        self = bytes
    }
}

extension Data: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let bytes = PostgresBytea.bytes(fromHexText: text) else { return nil }
        self.init(bytes)
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let wrapped = Wrapped(postgresText: text) else { return nil }
        self = .some(wrapped)
    }

    public static var postgresNull: Self? { .some(.none) }
}
