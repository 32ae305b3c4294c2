import Collector
import Postgres
import Testing

@Suite struct MigrationTests {
    @Test func migratorsStartingTogetherApplyEachVersionOnce() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        // A client each, as separate collector processes would have.
                        let client = PostgresClient(configuration: .init(url: database.url, maximumConnections: 1), logger: testLogger)
                        let applied = try await SchemaMigrator(client: client, logger: testLogger).migrate()
                        await client.close()
                        return applied.map(\.version)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(applied.flatMap { $0 }.sorted() == Migration.all.map(\.version))
            let migrator = SchemaMigrator(client: database.client, logger: testLogger)
            #expect(try await migrator.appliedVersions() == Migration.all.map(\.version))
            #expect(try await migrator.migrate().isEmpty)
        }
    }

    @Test func laterMigrationsApplyOnTopOfEarlierOnes() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let first = SchemaMigrator(client: database.client, migrations: [Migration.all[0]], logger: testLogger)
            #expect(try await first.migrate().map(\.version) == [1])
            let all = SchemaMigrator(client: database.client, logger: testLogger)
            #expect(try await all.migrate().map(\.version) == Array(Migration.all.map(\.version).dropFirst()))
            let tables = try await database.client.query("""
                SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'
                AND tablename IN ('events', 'event_keys', 'collector_offsets', 'event_counts_hourly', 'event_counts_daily',
                                  'revenue_hourly', 'daily_user_activity', 'weekly_active_users', 'user_first_seen')
                """)
            #expect(try tables[0].decode(Int.self, column: "n") == 9)
        }
    }
}
