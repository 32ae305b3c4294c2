internal import CLibPQ

/// The rows a query returned, in PostgreSQL's text format.
///
/// A random-access collection of ``PostgresRow``; read values with `PostgresRow.decode(_:column:)`.
/// The rows are immutable and may be shared between tasks.
public struct PostgresRows: Sendable, RandomAccessCollection {
    let storage: PostgresResult

    init(storage: PostgresResult) {
        self.storage = storage
    }

    /// The result's column names, in order.
    public var columns: [String] { storage.columns }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.rowCount }

    public subscript(position: Int) -> PostgresRow {
        precondition(indices.contains(position), "row index \(position) out of range 0..<\(count)")
        return PostgresRow(storage: storage, row: position)
    }
}

/// Owns one `PGresult` and reads values out of it.
///
/// `@unchecked Sendable`: a PGresult is never modified after libpq returns it, and libpq documents that such
/// results "can be passed around freely between threads"; this class only reads it, and frees it in `deinit`
/// when no row refers to it any more.
final class PostgresResult: @unchecked Sendable {
    private let result: OpaquePointer
    let rowCount: Int
    let columns: [String]
    /// The number of rows the statement affected; 0 for statements that report none (DDL, BEGIN, ...).
    let affectedRows: Int
    /// The command tag, e.g. `INSERT 0 1` or `ROLLBACK`.
    let commandTag: String
    private let columnIndexes: [String: Int]

    /// Takes ownership of `result` (it is cleared in `deinit`).
    init(taking result: OpaquePointer) {
        self.result = result
        rowCount = Int(PQntuples(result))
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
        commandTag = String(cString: PQcmdStatus(result))
        let columns = (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
        self.columns = columns
        // Our own lookup rather than PQfnumber, which case-folds unquoted names and parses quotes:
        // callers pass the names exactly as `columns` lists them.
        var indexes = [String: Int](minimumCapacity: columns.count)
        for (index, name) in columns.enumerated() where indexes[name] == nil {
            indexes[name] = index
        }
        columnIndexes = indexes
    }

    deinit {
        PQclear(result)
    }

    func columnIndex(named name: String) -> Int? {
        columnIndexes[name]
    }

    /// The text of a value, or nil when it is NULL. `row` and `column` must be in range.
    func text(row: Int, column: Int) -> String? {
        let row = Int32(row)
        let column = Int32(column)
        if PQgetisnull(result, row, column) != 0 { return nil }
        let length = Int(PQgetlength(result, row, column))
        guard let value = PQgetvalue(result, row, column) else { return nil }
        return value.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
            String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
        }
    }
}
