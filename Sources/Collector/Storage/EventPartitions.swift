public import Logging
import EventModel
public import Postgres
internal import Synchronization

/// The daily partitions of the raw `events` table (`events_20250131` holds 2025-01-31 UTC).
///
/// Partitions are created a few days ahead, and on demand for any day an incoming event needs (late or
/// future events included), so there is no default partition to fill up and block later ones. Partitions
/// whose whole day lies before the retention horizon are dropped. Creating and dropping take a transaction
/// advisory lock, so concurrent collectors do not race on the catalog.
///
/// Partitions are created and dropped at most ``chunkSize`` per transaction: each takes about four locks
/// until its transaction ends, and PostgreSQL's lock table is shared by every session (64 per connection
/// by default). A batch spanning 10,000 days made all its partitions in one transaction, ran out of lock
/// slots (SQLSTATE 53200), failed forever, and made other sessions fail meanwhile.
public final class EventPartitions: Sendable {
    /// The advisory lock key that serialises partition changes.
    static let lockKey = 7_301_002
    /// Partitions created or dropped per transaction.
    static let chunkSize = 100

    private let client: PostgresClient
    private let logger: Logger
    /// Days whose partition is known to exist; cleared when an insert finds one missing.
    private let known = Mutex<Set<Int64>>([])

    /// Partitions of the `events` table in `client`'s database.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The partition name for a day number.
    static func name(ofDay day: Int64) -> String {
        "events_" + UTCCalendar.dateText(ofDay: day).replacing("-", with: "")
    }

    /// The day number of a partition name, or nil for a table not named by ``name(ofDay:)``.
    static func day(ofName name: String) -> Int64? {
        let digits = Array(name.utf8.dropFirst("events_".utf8.count))
        guard name.hasPrefix("events_"), digits.count == 8, digits.allSatisfy({ (48...57).contains($0) }),
              let number = Int64(String(decoding: digits, as: UTF8.self))
        else { return nil }
        let (year, month, day) = (number / 10_000, number / 100 % 100, number % 100)
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        return UTCCalendar.day(year: year, month: month, day: day)
    }

    /// Makes sure a partition exists for each of `days`.
    public func ensure(days: Set<Int64>) async throws {
        let missing = days.subtracting(known.withLock { $0 }).sorted()
        for start in stride(from: 0, to: missing.count, by: Self.chunkSize) {
            let chunk = missing[start..<min(start + Self.chunkSize, missing.count)]
            try await client.withTransaction { connection in
                try await connection.execute("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
                for day in chunk {
                    // DDL takes no bind parameters; the bounds are generated from integers, the name is quoted.
                    try await connection.execute("""
                        CREATE TABLE IF NOT EXISTS \(identifier: Self.name(ofDay: day)) PARTITION OF events
                        FOR VALUES FROM ('\(unescaped: UTCCalendar.dateText(ofDay: day)) 00:00:00+00')
                        TO ('\(unescaped: UTCCalendar.dateText(ofDay: day + 1)) 00:00:00+00')
                        """)
                }
            }
            known.withLock { $0.formUnion(chunk) }
        }
    }

    /// Forgets which partitions exist, so the next ``ensure(days:)`` checks again (after an insert found
    /// one missing, e.g. dropped by retention on another instance).
    public func forget() {
        known.withLock { $0.removeAll() }
    }

    /// Creates the partitions for `today` and `ahead` days after it, and drops those older than
    /// `retentionDays` before `today` (nil keeps everything). Returns the names dropped.
    @discardableResult
    public func maintain(today: Int64, ahead: Int, retentionDays: Int?) async throws -> [String] {
        try await ensure(days: Set(today...(today + Int64(max(0, ahead)))))
        guard let retentionDays else { return [] }
        let horizon = today - Int64(retentionDays)
        let rows = try await client.query("""
            SELECT child.relname AS name FROM pg_inherits
            JOIN pg_class child ON child.oid = pg_inherits.inhrelid
            WHERE pg_inherits.inhparent = 'events'::regclass
            """)
        var expired: [String] = []
        for row in rows {
            let name = try row.decode(String.self, column: "name")
            if let day = Self.day(ofName: name), day < horizon { expired.append(name) }
        }
        expired.sort()
        for start in stride(from: 0, to: expired.count, by: Self.chunkSize) {
            let chunk = expired[start..<min(start + Self.chunkSize, expired.count)]
            try await client.withTransaction { connection in
                try await connection.execute("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
                for name in chunk {
                    // Another instance may have dropped it since the list was read.
                    try await connection.execute("DROP TABLE IF EXISTS \(identifier: name)")
                }
            }
            known.withLock { $0.subtract(chunk.compactMap(Self.day(ofName:))) }
        }
        if !expired.isEmpty {
            logger.info("dropped raw event partitions past retention", metadata: [
                "partitions": "\(expired.count)", "first": "\(expired[0])", "last": "\(expired[expired.count - 1])",
            ])
        }
        return expired
    }
}
