import Logging
import Postgres
import TestInfrastructure

/// Connections to the real local PostgreSQL the integration tests run against.
enum TestDatabase {
    static let logger = Logger(label: "PostgresTests")

    static func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(url: TestEnvironment.databaseURL(), logger: logger)
    }

    /// A fresh table name (`prefix-xxxxxxxx`): tests run in parallel against one database.
    /// It contains a hyphen, so SQL must quote it: `\(identifier: table)`.
    static func uniqueTable(_ prefix: String) -> String {
        TestEnvironment.uniqueName(prefix)
    }
}
