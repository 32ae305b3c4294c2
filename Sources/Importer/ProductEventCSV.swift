public import EventModel

/// How the rows of a CSV file become generic product events (contract section 1.2).
///
/// The header names the columns. `event_id`, `occurred_at`, `user_id` and `event_type` are required;
/// an optional `properties` column holds a JSON object; every other column becomes a string property
/// of that name (`country`, `device`, `amount`, ...), left out where the cell is empty. Column order
/// is free.
public struct ProductEventCSV: Sendable {
    /// The columns every file must have.
    public static let requiredColumns = ["event_id", "occurred_at", "user_id", "event_type"]

    private let columnCount: Int
    private let required: [Int]
    private let propertiesColumn: Int?
    private let extraColumns: [(index: Int, name: String)]

    /// The mapping for a file whose first row is `header`.
    ///
    /// - Throws: ``CSVImportError/badHeader(_:)`` when a required column is missing or a name repeats.
    public init(header: CSVRow) throws(CSVImportError) {
        let names = header.fields.map { $0.trimmingASCIIWhitespace() }
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw .badHeader("column '\(name)' appears twice")
        }
        let missing = Self.requiredColumns.filter { !names.contains($0) }
        guard missing.isEmpty else {
            throw .badHeader("missing column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")); required: \(Self.requiredColumns.joined(separator: ", "))")
        }
        columnCount = names.count
        required = Self.requiredColumns.map { names.firstIndex(of: $0)! }
        propertiesColumn = names.firstIndex(of: "properties")
        extraColumns = names.enumerated()
            .filter { !Self.requiredColumns.contains($0.element) && $0.element != "properties" && !$0.element.isEmpty }
            .map { (index: $0.offset, name: $0.element) }
    }

    /// Appends `row` as one product event object to `writer`, or returns why the row cannot be one
    /// (a wrong number of fields, a `properties` cell that is not a JSON object or repeats a column).
    /// Nothing is written for a refused row. Field values are validated later, with the gateway's rules.
    public func appendEvent(_ row: CSVRow, to writer: inout JSONWriter) -> String? {
        guard row.fields.count == columnCount else {
            return "expected \(columnCount) fields as in the header, found \(row.fields.count)"
        }
        let extras = extraColumns.filter { !row.fields[$0.index].isEmpty }
        var object: [UInt8] = []
        if let propertiesColumn, !row.fields[propertiesColumn].isEmpty {
            object = Array(row.fields[propertiesColumn].utf8)
            guard let document = try? JSONDocument.parse(object), document.kind(of: document.root) == .object else {
                return "properties is not a JSON object"
            }
            if let repeated = extras.first(where: { document.member($0.name, of: document.root) != nil }) {
                return "column '\(repeated.name)' repeats a key of properties"
            }
            if document.count(of: document.root) == 0 { object = [] }
        }

        let keys: [StaticString] = [#"{"event_id":"#, #","occurred_at":"#, #","user_id":"#, #","event_type":"#]
        for (key, index) in zip(keys, required) {
            writer.appendRaw(key)
            writer.appendString(row.fields[index])
        }
        if !extras.isEmpty || !object.isEmpty || propertiesColumn.map({ !row.fields[$0].isEmpty }) == true {
            writer.appendRaw(#","properties":{"#)
            for (position, extra) in extras.enumerated() {
                if position > 0 { writer.appendRaw(",") }
                writer.appendString(extra.name)
                writer.appendRaw(":")
                writer.appendString(row.fields[extra.index])
            }
            if let open = object.firstIndex(of: UInt8(ascii: "{")) {
                // A valid non-empty object: its members follow the columns'.
                if !extras.isEmpty { writer.appendRaw(",") }
                writer.appendBytes(object[(open + 1)...])
            } else {
                writer.appendRaw("}")
            }
        }
        writer.appendRaw("}")
        return nil
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
