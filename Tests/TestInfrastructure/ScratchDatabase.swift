import Foundation
public import Logging
public import Postgres

/// A database of the test's own on the shared PostgreSQL server: created empty, dropped afterwards,
/// so tests that run in parallel never see each other's tables.
public enum ScratchDatabase {
    /// Creates a database named `<prefix>_<random>` on `DATABASE_URL`'s server, runs `body` with a
    /// pool connected to it (at most `maximumConnections`), then closes the pool and drops the database.
    public static func with<T: Sendable>(
        prefix: String,
        maximumConnections: Int = 4,
        logger: Logger,
        _ body: (_ url: String, _ client: PostgresClient) async throws -> T
    ) async throws -> T {
        let server = try TestEnvironment.databaseURL()
        let name = prefix + "_" + UUID().uuidString.prefix(12).lowercased()
        let admin = try await PostgresConnection.connect(url: server, logger: logger)
        try await admin.execute("CREATE DATABASE \(identifier: name)")
        let url = PostgresURL.replacingDatabase(of: server, with: name)
        let client = PostgresClient(configuration: .init(url: url, maximumConnections: maximumConnections), logger: logger)
        do {
            let result = try await body(url, client)
            await client.close()
            try await admin.execute("DROP DATABASE \(identifier: name) WITH (FORCE)")
            await admin.close()
            return result
        } catch {
            await client.close()
            _ = try? await admin.execute("DROP DATABASE \(identifier: name) WITH (FORCE)")
            await admin.close()
            throw error
        }
    }
}
