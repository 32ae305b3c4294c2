import Postgres
@testable import Reporter
import TestInfrastructure
import Testing

/// The pool's connections carry the statement timeout and only read.
@Suite struct ReporterConfigurationTests {
    @Test func connectionsRunWithTheStatementTimeoutAndReadOnly() async throws {
        var configuration = ReporterConfiguration()
        configuration.databaseURL = try TestEnvironment.databaseURL()
        configuration.statementTimeout = .milliseconds(1_500)
        let client = PostgresClient(configuration: .init(url: configuration.connectionURL, maximumConnections: 1), logger: testLogger)
        let setting = try await client.query("SHOW statement_timeout")[0].decode(String.self, column: "statement_timeout")
        #expect(setting == "1500ms")
        await #expect(throws: PostgresError.self) { try await client.query("SELECT pg_sleep(3)") }
        await #expect(throws: PostgresError.self) { try await client.query("CREATE TABLE reporter_must_not_write (x int)") }
        await client.close()
    }

    @Test func theTimeoutIsAddedToEitherFormOfConnectionString() {
        var configuration = ReporterConfiguration()
        configuration.databaseURL = "postgres://u@h/db?sslmode=disable"
        #expect(configuration.connectionURL == "postgres://u@h/db?sslmode=disable&options=-c%20statement_timeout%3D5000%20-c%20default_transaction_read_only%3Don")
        configuration.databaseURL = "host=h dbname=db"
        #expect(configuration.connectionURL == "host=h dbname=db options='-c statement_timeout=5000 -c default_transaction_read_only=on'")
    }
}
