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
    static func text(_ rows: [[String]]) -> String {
        rows.map { row in
            row.map { field in
                field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                    : field
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }
}
