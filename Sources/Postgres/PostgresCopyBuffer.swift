/// Rows encoded in the text format of `COPY ... FROM STDIN`, ready for
/// ``PostgresConnection/copyFrom(_:data:)``.
///
/// Each row is one line; fields are separated by a tab; NULL is `\N`; inside a value, backslash, tab, newline
/// and carriage return are escaped as `\\`, `\t`, `\n`, `\r` (the characters COPY's text format requires
/// escaping), so any string round-trips exactly. Values are written with their ``PostgresBindable`` text,
/// the same text a bind parameter would carry, so every bindable type works (`Decimal` for `numeric`, `Date`
/// for `timestamptz`, ...).
///
/// The buffer is a plain byte array: appending is cheap, and `copyFrom` sends it as is.
///
/// ```swift
/// var buffer = PostgresCopyBuffer()
/// buffer.appendRow("a\tb", 42, nil)
/// try await connection.copyFrom("COPY items (name, count, note) FROM STDIN", data: buffer)
/// ```
public struct PostgresCopyBuffer: Sendable, Hashable {
    /// The encoded rows.
    public private(set) var bytes: [UInt8]
    /// How many rows were appended.
    public private(set) var rowCount: Int

    /// Creates an empty buffer, optionally reserving room for `capacity` bytes.
    public init(reservingCapacity capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
        rowCount = 0
    }

    /// True when no rows were appended.
    public var isEmpty: Bool { rowCount == 0 }

    /// Appends one row; `values` are the row's fields in the column order of the COPY statement, nil is NULL.
    public mutating func appendRow(_ values: (any PostgresBindable)?...) {
        appendRow(values)
    }

    /// Appends one row; `values` are the row's fields in the column order of the COPY statement, nil is NULL.
    public mutating func appendRow(_ values: [(any PostgresBindable)?]) {
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(Self.tab) }
            if let text = value?.postgresText {
                appendEscaped(text)
            } else {
                bytes.append(Self.backslash)
                bytes.append(UInt8(ascii: "N"))
            }
        }
        bytes.append(Self.newline)
        rowCount += 1
    }

    /// Removes all rows, keeping the storage for reuse by default.
    public mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
        rowCount = 0
    }

    private static let backslash = UInt8(ascii: "\\")
    private static let tab = UInt8(ascii: "\t")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    private mutating func appendEscaped(_ text: String) {
        var text = text
        // Most values are contiguous UTF-8 already; the closure appends straight from the string's storage.
        text.withUTF8 { utf8 in
            // Fast path: nothing to escape, copy the whole value at once.
            if !utf8.contains(where: { $0 == Self.backslash || $0 == Self.tab || $0 == Self.newline || $0 == Self.carriageReturn }) {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case Self.backslash: bytes.append(Self.backslash); bytes.append(Self.backslash)
                case Self.tab: bytes.append(Self.backslash); bytes.append(UInt8(ascii: "t"))
                case Self.newline: bytes.append(Self.backslash); bytes.append(UInt8(ascii: "n"))
                case Self.carriageReturn: bytes.append(Self.backslash); bytes.append(UInt8(ascii: "r"))
                default: bytes.append(byte)
                }
            }
        }
    }
}
