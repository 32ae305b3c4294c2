/// Reads CSV text (RFC 4180) row by row: fields separated by commas, optionally quoted with `"`, a
/// doubled `""` inside quotes standing for one quote, and line breaks (LF or CRLF) inside quotes kept.
///
/// Empty lines are skipped and a UTF-8 byte-order mark at the start is ignored, since spreadsheet
/// exports often carry both.
public struct CSVReader: Sendable {
    private let bytes: [UInt8]
    private var position: Int
    private var line = 1

    /// A reader of `bytes`, UTF-8 text.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        position = bytes.starts(with: bom) ? 3 : 0
    }

    /// How far the reader got, in bytes of the input: for progress.
    public var bytesRead: Int { position }

    /// The next row, or nil at the end of the text.
    ///
    /// - Throws: ``CSVSyntaxError`` for a quote that is never closed, or text right after a closing quote.
    public mutating func next() throws(CSVSyntaxError) -> CSVRow? {
        while position < bytes.count, bytes[position] == UInt8(ascii: "\n") || bytes[position] == UInt8(ascii: "\r") {
            if bytes[position] == UInt8(ascii: "\n") { line += 1 }
            position += 1
        }
        guard position < bytes.count else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        while true {
            guard position < bytes.count else {
                fields.append(String(decoding: field, as: UTF8.self))
                return CSVRow(line: startLine, fields: fields)
            }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: ","):
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                position += 1
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                fields.append(String(decoding: field, as: UTF8.self))
                if byte == UInt8(ascii: "\r"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "\n") {
                    position += 1
                }
                position += 1
                line += 1
                return CSVRow(line: startLine, fields: fields)
            case UInt8(ascii: "\"") where field.isEmpty:
                try readQuoted(into: &field)
            default:
                field.append(byte)
                position += 1
            }
        }
    }

    /// Reads a quoted field from its opening quote through the closing one, which must end the field.
    private mutating func readQuoted(into field: inout [UInt8]) throws(CSVSyntaxError) {
        let openedOnLine = line
        position += 1
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") {
                if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
                    field.append(byte)
                    position += 1
                    continue
                }
                if position < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(bytes[position]) {
                    throw CSVSyntaxError(line: line, message: "unexpected text after a closing quote")
                }
                return
            }
            if byte == UInt8(ascii: "\n") { line += 1 }
            field.append(byte)
        }
        throw CSVSyntaxError(line: openedOnLine, message: "a quoted field is never closed")
    }
}

/// One row of a CSV file: its fields, and the line it starts on (1-based, for messages).
public struct CSVRow: Sendable, Hashable {
    public var line: Int
    public var fields: [String]

    public init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// Text that is not CSV: where, and what is wrong.
public struct CSVSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}
