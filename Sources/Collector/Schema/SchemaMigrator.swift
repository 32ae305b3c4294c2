public import Logging
public import Postgres

/// Applies the pending ``Migration``s in version order and records each in `schema_migrations`.
///
/// Idempotent, and safe when several collectors start at once: the migrator holds a session advisory lock
/// while it reads what is applied and applies the rest, so the others wait and then find nothing to do.
public struct SchemaMigrator: Sendable {
    /// The advisory lock key that serialises migrators (any fixed number unique to this purpose).
    static let lockKey = 7_301_001

    private let client: PostgresClient
    private let migrations: [Migration]
    private let logger: Logger

    /// A migrator applying `migrations` (all of them by default) to `client`'s database.
    public init(client: PostgresClient, migrations: [Migration] = Migration.all, logger: Logger) {
        self.client = client
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Applies what is pending and returns the migrations applied by this call (empty when up to date).
    @discardableResult
    public func migrate() async throws -> [Migration] {
        try await client.withConnection { connection in
            try await connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
            do {
                let applied = try await apply(on: connection)
                try await connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
                return applied
            } catch {
                // The lock is the session's: a broken connection releases it, a working one must do it here.
                _ = try? await connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))")
                throw error
            }
        }
    }

    /// The versions recorded as applied (after ``migrate()``: every known one).
    public func appliedVersions() async throws -> [Int] {
        let rows = try await client.query("SELECT version FROM schema_migrations ORDER BY version")
        return try rows.map { try $0.decode(Int.self, column: "version") }
    }

    private func apply(on connection: PostgresConnection) async throws -> [Migration] {
        try await connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let rows = try await connection.query("SELECT version FROM schema_migrations")
        let applied = Set(try rows.map { try $0.decode(Int.self, column: "version") })
        if let newest = applied.max(), let known = migrations.last?.version, newest > known {
            logger.warning("the database has migrations newer than this build", metadata: [
                "schema.version": "\(newest)", "schema.known": "\(known)",
            ])
        }
        var done: [Migration] = []
        for migration in migrations where !applied.contains(migration.version) {
            try await connection.withTransaction { transaction in
                try await transaction.executeScript(migration.sql)
                try await transaction.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))"
                )
            }
            logger.info("applied migration", metadata: ["schema.version": "\(migration.version)", "schema.migration": "\(migration.name)"])
            done.append(migration)
        }
        return done
    }
}
