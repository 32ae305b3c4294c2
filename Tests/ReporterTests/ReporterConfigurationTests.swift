import Collector
import Postgres
@testable import Reporter
import TestInfrastructure
import Testing

/// The pool's connections carry the statement timeout and only read.
@Suite struct ReporterConfigurationTests {
    @Test func connectionsRunWithTheStatementTimeoutAndReadOnly() async throws {
        var configuration = ReporterConfiguration()
        configuration.databaseURL = try TestEnvironment.databaseURL()
        configuration.readerRole = nil
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
        #expect(configuration.connectionURL == "postgres://u@h/db?sslmode=disable&options=-c%20statement_timeout%3D5000%20-c%20default_transaction_read_only%3Don%20-c%20role%3Deventplatform_reader")
        configuration.databaseURL = "host=h dbname=db"
        configuration.readerRole = nil
        #expect(configuration.connectionURL == "host=h dbname=db options='-c statement_timeout=5000 -c default_transaction_read_only=on'")
        #expect(ReporterConfiguration.isValidRoleName("eventplatform_reader"))
        #expect(!ReporterConfiguration.isValidRoleName("x -c y"))
        #expect(!ReporterConfiguration.isValidRoleName("Reader"))
    }

    /// The sessions run as the migrations' reader role: they can read every table, partitions created
    /// later included, and write none, even outside a read-only transaction.
    @Test func sessionsRunAsTheRoleThatCanOnlyRead() async throws {
        try await ScratchDatabase.with(prefix: "reporter_role", logger: testLogger) { url, client in
            try await SchemaMigrator(client: client, logger: testLogger).migrate()
            try await EventPartitions(client: client, logger: testLogger).ensure(days: [20_439])
            var configuration = ReporterConfiguration()
            configuration.databaseURL = url
            let reader = PostgresClient(configuration: .init(url: configuration.connectionURL, maximumConnections: 1), logger: testLogger)
            let row = try await reader.query("""
                SELECT current_user AS role,
                       has_table_privilege('events', 'SELECT') AND has_table_privilege('event_counts_hourly', 'SELECT')
                           AND has_table_privilege('events_20251217', 'SELECT') AS reads,
                       has_table_privilege('events', 'INSERT') OR has_table_privilege('event_counts_hourly', 'UPDATE')
                           OR has_table_privilege('collector_offsets', 'DELETE') AS writes
                """)[0]
            #expect(try row.decode(String.self, column: "role") == "eventplatform_reader")
            #expect(try row.decode(Bool.self, column: "reads"))
            #expect(try !row.decode(Bool.self, column: "writes"))
            let denied = await #expect(throws: PostgresError.self) {
                try await reader.withTransaction { connection in
                    _ = try await connection.execute("SET TRANSACTION READ WRITE")
                    _ = try await connection.execute("DELETE FROM collector_offsets")
                }
            }
            #expect(denied?.sqlState == "42501", "insufficient_privilege, not merely a read-only transaction")
            await reader.close()
        }
    }
}
