import Collector
import EventModel
import Kafka
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
                                  'revenue_hourly', 'user_histories', 'user_value_counts', 'cohort_activity')
                """)
            #expect(try tables[0].decode(Int.self, column: "n") == 9)
        }
    }

    @Test func everyRawPartitionHasTheEventTimeIndexAlsoThoseCreatedLater() async throws {
        try await TestDatabase.with { database in
            let day = UTCCalendar.day(year: 2031, month: 3, day: 4)
            try await EventPartitions(client: database.client, logger: testLogger).ensure(days: [day])
            let partitions = try await database.client.query("""
                SELECT c.relname AS partition, (SELECT count(*) FROM pg_indexes i WHERE i.tablename = c.relname
                                                AND i.indexdef LIKE '%USING btree (occurred_at)') AS time_indexes
                FROM pg_inherits JOIN pg_class c ON c.oid = inhrelid WHERE inhparent = 'events'::regclass
                """)
            #expect(partitions.count >= 1)
            for partition in partitions {
                let name = try partition.decode(String.self, column: "partition")
                #expect(try partition.decode(Int.self, column: "time_indexes") == 1, "\(name)")
            }
        }
    }

    @Test func theCounterMigrationCarriesExistingActivityOver() async throws {
        try await TestDatabase.with(migrated: false) { database in
            let upToActivityRows = SchemaMigrator(client: database.client, migrations: Array(Migration.all.prefix(4)), logger: testLogger)
            _ = try await upToActivityRows.migrate()
            // Facebook u1 on Jan 1 and 3, u2 on Jan 2, TikTok u1 on Jan 3; u1 of Facebook back in the next week.
            try await database.client.withConnection { try await $0.executeScript("""
                INSERT INTO daily_user_activity (day, source, user_id, event_type, funnel_stage, country, device, city,
                                                 age_bucket, gender, follower_bucket) VALUES
                    ('2025-01-01', 'facebook', 'u1', 'ad.view', 'top', 'UA', NULL, 'Kyiv', '25-34', 'female', NULL),
                    ('2025-01-03', 'facebook', 'u1', 'ad.click', 'bottom', 'UA', 'mobile', 'Kyiv', '25-34', 'female', NULL),
                    ('2025-01-02', 'facebook', 'u2', 'ad.view', 'top', 'PL', NULL, 'Warsaw', '18-24', 'male', NULL),
                    ('2025-01-03', 'tiktok', 'u1', 'like', 'top', 'UA', 'iOS', NULL, NULL, NULL, '1k-10k'),
                    ('2025-01-07', 'facebook', 'u1', 'ad.view', 'top', 'UA', NULL, 'Kyiv', '25-34', 'female', NULL);
                INSERT INTO weekly_active_users (week, source, user_id) VALUES
                    ('2024-12-30', 'facebook', 'u1'), ('2024-12-30', 'facebook', 'u2'), ('2024-12-30', 'tiktok', 'u1'),
                    ('2025-01-06', 'facebook', 'u1');
                INSERT INTO user_first_seen (source, user_id, first_week) VALUES
                    ('facebook', 'u1', '2024-12-30'), ('facebook', 'u2', '2024-12-30'), ('tiktok', 'u1', '2024-12-30');
                """) }
            #expect(try await SchemaMigrator(client: database.client, logger: testLogger).migrate().map(\.version) == Array(Migration.all.map(\.version).dropFirst(4)))

            func users(_ dimension: String, _ value: String, _ source: String?, from: String, to: String) async throws -> Int {
                try await database.client.query("""
                    SELECT coalesce(sum(users), 0)::bigint AS n FROM user_value_counts
                    WHERE dimension = \(dimension) AND value = \(value) AND (\(source)::text IS NULL OR source = \(source))
                      AND day >= \(from)::date AND day < \(to)::date AND previous_day < \(from)::date
                    """)[0].decode(Int.self, column: "n")
            }
            #expect(try await users("users", "", "facebook", from: "2025-01-02", to: "2025-01-04") == 2)
            #expect(try await users("users", "", "facebook", from: "2025-01-01", to: "2025-01-08") == 2)
            #expect(try await users("users", "", nil, from: "2025-01-03", to: "2025-01-04") == 2)
            #expect(try await users("stage", "top", "facebook", from: "2025-01-01", to: "2025-01-08") == 2)
            #expect(try await users("stage", "bottom", "facebook", from: "2025-01-04", to: "2025-01-08") == 0)
            #expect(try await users("stage", "bottom", "facebook", from: "2025-01-03", to: "2025-01-04") == 1)
            #expect(try await users("country", "UA", nil, from: "2025-01-02", to: "2025-01-04") == 2)
            #expect(try await users("followers", "1k-10k", "tiktok", from: "2025-01-01", to: "2025-01-08") == 1)
            let cohorts = try await database.client.query("SELECT cohort_week::text AS c, week::text AS w, users FROM cohort_activity ORDER BY 1, 2")
            #expect(try cohorts.map { "\(try $0.decode(String.self, column: "c")) \(try $0.decode(String.self, column: "w")) \(try $0.decode(Int.self, column: "users"))" }
                == ["2024-12-30 2024-12-30 3", "2024-12-30 2025-01-06 1"])
            let gone = try await database.client.query("""
                SELECT to_regclass('daily_user_activity') IS NULL AND to_regclass('weekly_active_users') IS NULL
                       AND to_regclass('user_first_seen') IS NULL AS gone
                """)
            #expect(try gone[0].decode(Bool.self, column: "gone"))

            // The carried-over histories go on: Facebook u1 comes back on Jan 2, between its stored days.
            let late = ConsumedEvent(
                event: EventRecord(source: .facebook, eventId: "late", eventType: "ad.view", funnelStage: .top,
                                   occurredAt: UTCCalendar.day(year: 2025, month: 1, day: 2) * 86_400_000_000, userId: "u1",
                                   byteRange: 0..<2),
                payload: Array("{}".utf8), partition: KafkaTopicPartition(topic: "t", partition: 0), offset: 0)
            let writer = BatchWriter(client: database.client, groupID: "migration-test", partitions: EventPartitions(client: database.client, logger: testLogger))
            #expect(try await writer.write([late], through: nextOffsets([late])).inserted == 1)
            #expect(try await users("users", "", "facebook", from: "2025-01-02", to: "2025-01-03") == 2)
            #expect(try await users("users", "", "facebook", from: "2025-01-03", to: "2025-01-04") == 1)
            #expect(try await users("users", "", "facebook", from: "2025-01-01", to: "2025-01-08") == 2)
            #expect(try await users("stage", "top", "facebook", from: "2025-01-02", to: "2025-01-08") == 2)
            #expect(try await users("country", "UA", "facebook", from: "2025-01-03", to: "2025-01-04") == 1)
        }
    }
}
