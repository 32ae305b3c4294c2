@testable import Postgres
import TestInfrastructure
import Testing

/// Integration tests of the connection pool against the real local PostgreSQL.
@Suite struct PostgresClientTests {
    /// The test database URL with an `application_name` unique to one test, to find its connections
    /// in `pg_stat_activity`.
    static func url(applicationName: String) throws -> String {
        let url = try TestEnvironment.databaseURL()
        return url + (url.contains("?") ? "&" : "?") + "application_name=\(applicationName)"
    }

    @Test func twentyConcurrentTasksShareTwoConnections() async throws {
        let name = TestEnvironment.uniqueName("pool")
        let client = PostgresClient(
            configuration: .init(url: try Self.url(applicationName: name), maximumConnections: 2),
            logger: TestDatabase.logger
        )
        let results = try await withThrowingTaskGroup(of: (pid: Int, open: Int).self) { group in
            for _ in 0..<20 {
                group.addTask {
                    // Hold the connection a little so that tasks really compete for the two connections.
                    let row = try await client.query("""
                        SELECT pg_backend_pid() AS pid,
                               (SELECT count(*) FROM pg_stat_activity WHERE application_name = \(name)) AS open,
                               pg_sleep(0.02)::text AS slept
                        """).first!
                    return (try row.decode(Int.self, column: "pid"), try row.decode(Int.self, column: "open"))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 20)
        #expect(Set(results.map(\.pid)).count <= 2)
        #expect(results.map(\.open).max()! <= 2)
        await client.close()
    }

    @Test func connectionsTheServerEndedWhileIdleAreReplacedBeforeUse() async throws {
        let client = PostgresClient(configuration: .init(url: try TestEnvironment.databaseURL(), maximumConnections: 1), logger: TestDatabase.logger)
        let first = try await client.query("SELECT pg_backend_pid() AS pid").first!.decode(Int.self, column: "pid")

        let killer = try await TestDatabase.connect()
        _ = try await killer.query("SELECT pg_terminate_backend(\(first))")
        // pg_terminate_backend only signals: wait until the session is gone (and its socket closed).
        #expect(try await eventually {
            try await killer.query("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = \(first)").first!.decode(Int.self, column: "n") == 0
        })
        await killer.close()

        // The next statement does not meet the dead connection: the pool notices and opens a new one.
        let second = try await client.query("SELECT pg_backend_pid() AS pid").first!.decode(Int.self, column: "pid")
        #expect(second != first)
        await client.close()
    }

    @Test func waitingForAConnectionCanBeCancelled() async throws {
        let client = PostgresClient(configuration: .init(url: try TestEnvironment.databaseURL(), maximumConnections: 1), logger: TestDatabase.logger)
        let (holding, holdingStarted) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseNow) = AsyncStream.makeStream(of: Void.self)

        let holder = Task {
            try await client.withConnection { _ in
                holdingStarted.yield()
                for await _ in release { break }
            }
        }
        for await _ in holding { break }

        let waiter = Task { try await client.query("SELECT 1") }
        // Cancelled while queued, not before it asked (that would throw from the first cancellation check).
        #expect(try await eventually(timeout: .seconds(10), every: .milliseconds(10)) { client.waitingCount == 1 })
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }

        releaseNow.yield()
        try await holder.value
        // The slot the cancelled waiter never got is still usable.
        #expect(try await client.query("SELECT 1 AS one").first?.decode(Int.self, column: "one") == 1)
        await client.close()
    }

    @Test func connectionsReturnedInsideATransactionAreNotReused() async throws {
        let client = PostgresClient(configuration: .init(url: try TestEnvironment.databaseURL(), maximumConnections: 1), logger: TestDatabase.logger)
        let first = try await client.withConnection { connection in
            try await connection.execute("BEGIN")
            try await connection.execute("SET LOCAL statement_timeout = 1")
            return try await connection.query("SELECT pg_backend_pid() AS pid").first!.decode(Int.self, column: "pid")
        }
        // Had the connection been reused, this would run in the leftover transaction with a 1 ms timeout.
        let row = try await client.query("SELECT pg_backend_pid() AS pid, current_setting('statement_timeout') AS timeout").first!
        #expect(try row.decode(Int.self, column: "pid") != first)
        #expect(try row.decode(String.self, column: "timeout") != "1ms")
        await client.close()
    }

    @Test func closedClientRefusesWork() async throws {
        let client = PostgresClient(configuration: .init(url: try TestEnvironment.databaseURL()), logger: TestDatabase.logger)
        #expect(client.configuration.maximumConnections == 4)
        _ = try await client.query("SELECT 1")
        await client.close()
        await client.close()
        let error = try await #require(throws: PostgresError.self) { try await client.query("SELECT 1") }
        #expect(error.code == .connectionClosed)
    }

    @Test func unreachableDatabaseFailsEveryWaiterWithConnectionFailed() async throws {
        let client = PostgresClient(
            configuration: .init(url: "postgres://postgres@127.0.0.1:1/postgres", maximumConnections: 2),
            logger: TestDatabase.logger
        )
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    do {
                        _ = try await client.query("SELECT 1")
                        return false
                    } catch let error as PostgresError where error.code == .connectionFailed {
                        return true
                    } catch {
                        Issue.record("unexpected error: \(error)")
                        return false
                    }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 6)
        await client.close()
    }
}
