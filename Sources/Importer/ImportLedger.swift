public import Postgres

/// The files already imported, by the SHA-256 of their content (table `imported_files`), so that
/// importing the same file again publishes nothing.
///
/// A file is recorded only after Kafka acknowledged all of its events. An import that stops half way
/// is not recorded, and running it again publishes the file again: the collectors store each event
/// once (dedupe by source and event id), so the repeat adds nothing either.
public struct ImportLedger: Sendable {
    private let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// The earlier import of the content with `sha256`, if any.
    public func entry(sha256: String) async throws -> ImportedFile? {
        let rows = try await client.query("""
            SELECT file_name, events, rejected, to_char(imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS imported_at
            FROM imported_files WHERE sha256 = \(sha256)
            """)
        guard let row = rows.first else { return nil }
        return ImportedFile(
            sha256: sha256,
            fileName: try row.decode(String.self, column: "file_name"),
            events: try row.decode(Int.self, column: "events"),
            rejected: try row.decode(Int.self, column: "rejected"),
            importedAt: try row.decode(String.self, column: "imported_at"))
    }

    /// Records a completed import; a second record of the same content keeps the first.
    public func record(_ file: ImportedFile) async throws {
        _ = try await client.execute("""
            INSERT INTO imported_files (sha256, file_name, events, rejected)
            VALUES (\(file.sha256), \(file.fileName), \(file.events), \(file.rejected))
            ON CONFLICT (sha256) DO NOTHING
            """)
    }
}

/// A completed import: the content's hash, the name it had, the events published and the rows refused.
public struct ImportedFile: Sendable, Hashable {
    public var sha256: String
    public var fileName: String
    public var events: Int
    public var rejected: Int
    /// When it was recorded, UTC (`2026-01-31T12:00:00Z`); empty before it is.
    public var importedAt: String

    public init(sha256: String, fileName: String, events: Int, rejected: Int, importedAt: String = "") {
        self.sha256 = sha256
        self.fileName = fileName
        self.events = events
        self.rejected = rejected
        self.importedAt = importedAt
    }
}
