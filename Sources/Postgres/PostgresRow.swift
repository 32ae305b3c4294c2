/// One row of ``PostgresRows``.
///
/// ```swift
/// for row in try await connection.query("SELECT id, note FROM items") {
///     let id = try row.decode(Int.self, column: "id")
///     let note = try row.decode(String?.self, column: "note")   // NULL allowed
/// }
/// ```
public struct PostgresRow: Sendable {
    private let storage: PostgresResult
    private let row: Int

    init(storage: PostgresResult, row: Int) {
        self.storage = storage
        self.row = row
    }

    /// The column names, in order.
    public var columns: [String] { storage.columns }

    /// Decodes the value of the column named `column` (exactly as in ``columns``).
    ///
    /// Decode an `Optional` to accept NULL. Throws ``PostgresError`` with code `decodingFailed` naming the
    /// column when there is no such column, the value is NULL and `T` is not optional, or the text is not
    /// a valid `T`.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, column: String) throws -> T {
        guard let index = storage.columnIndex(named: column) else {
            throw PostgresError(
                code: .decodingFailed,
                message: "no column named \"\(column)\" (columns: \(storage.columns.joined(separator: ", ")))"
            )
        }
        return try decode(type, at: index, name: column)
    }

    /// Decodes the value of the column at `column` (0-based). See `decode(_:column:)` with a column name.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, column: Int) throws -> T {
        guard storage.columns.indices.contains(column) else {
            throw PostgresError(
                code: .decodingFailed,
                message: "column index \(column) out of range (the result has \(storage.columns.count) columns)"
            )
        }
        return try decode(type, at: column, name: storage.columns[column])
    }

    /// The text of the value at `column` (0-based), nil for NULL: what `decode(String?.self, column:)` gives,
    /// without the generic decoding, which costs more than the text itself in a loop over a million values.
    public func text(column: Int) throws -> String? {
        guard storage.columns.indices.contains(column) else {
            throw PostgresError(
                code: .decodingFailed,
                message: "column index \(column) out of range (the result has \(storage.columns.count) columns)"
            )
        }
        return storage.text(row: row, column: column)
    }

    private func decode<T: PostgresDecodable>(_ type: T.Type, at index: Int, name: String) throws -> T {
        guard let text = storage.text(row: row, column: index) else {
            if let null = T.postgresNull { return null }
            throw PostgresError(
                code: .decodingFailed,
                message: "column \"\(name)\" is NULL, which \(T.self) cannot hold (decode \(T.self)? to accept NULL)"
            )
        }
        guard let value = T(postgresText: text) else {
            // The value itself is left out of the message: it may be long or sensitive.
            throw PostgresError(
                code: .decodingFailed,
                message: "column \"\(name)\" is not a valid \(T.self) (\(text.utf8.count) bytes of text)"
            )
        }
        return value
    }
}
