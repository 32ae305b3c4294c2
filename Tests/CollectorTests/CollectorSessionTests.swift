import Collector
import Postgres
import TestInfrastructure
import Testing

/// The PostgreSQL sessions of a collector end themselves when their host stops talking in the middle of a batch.
@Suite struct CollectorSessionTests {
    /// A collector host that died mid-batch left its transaction open, holding its locks until TCP keepalive
    /// gave up (~2 hours) and stalling every writer of the source. The session now ends after
    /// `idleInTransactionTimeout`, and its locks with it.
    @Test func aSessionLeftInATransactionIsEndedAndItsLocksFreed() async throws {
        try await TestDatabase.with { database in
            var configuration = CollectorConfiguration(source: .app)
            configuration.databaseURL = database.url
            configuration.idleInTransactionTimeout = .milliseconds(500)
            try await database.client.execute(
                "INSERT INTO collector_offsets (group_id, topic, partition, next_offset) VALUES ('g', 't', 0, 0)")
            let stuck = try await PostgresConnection.connect(url: configuration.connectionURL, logger: testLogger)
            try await stuck.execute("BEGIN")
            _ = try await stuck.query("SELECT next_offset FROM collector_offsets WHERE group_id = 'g' FOR UPDATE")
            // No statement follows, as when the host is gone: another writer gets the row once the session ends.
            let freed = try await eventually(timeout: .seconds(10)) {
                try await database.client.withTransaction { connection in
                    _ = try await connection.query("SELECT next_offset FROM collector_offsets WHERE group_id = 'g' FOR UPDATE NOWAIT")
                    return true
                }
            }
            #expect(freed, "the idle transaction still holds its lock")
            await stuck.close()
        }
    }
}
