/// An answer that can also be given as CSV (`Accept: text/csv`): a header row, then data rows.
protocol CSVTable {
    var csvRows: [[String]] { get }
}

/// One row of a list answer given as CSV.
protocol CSVRecord {
    static var csvHeader: [String] { get }
    var csvFields: [String] { get }
}

extension Array: CSVTable where Element: CSVRecord {
    var csvRows: [[String]] { [Element.csvHeader] + map(\.csvFields) }
}

enum CSV {
    /// RFC 4180 text: fields with a comma, quote or line break are quoted, quotes doubled; CRLF line ends.
    /// Bytes are checked, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n", and such a
    /// field went out unquoted, breaking the row in two.
    static func text(_ rows: [[String]]) -> String {
        rows.map { row in
            row.map { field in
                field.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D })
                    ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                    : field
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }
}
