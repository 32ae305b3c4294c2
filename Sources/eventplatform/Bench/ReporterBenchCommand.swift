import ArgumentParser
import Collector
import EventModel
import Foundation
import Hummingbird
import Kafka
import LoadGenerator
import Logging
import Postgres
import Prometheus
import Reporter
import ServiceLifecycle
import ServiceSupport

/// `eventplatform bench reporter`: report latency under 50 concurrent clients over a large stored data set,
/// without and with the answer cache, over whole days and over a ragged range (edges read from the raw
/// events); baseline: the same reports as plain SQL over the raw events.
struct ReporterBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reporter",
        abstract: "p50/p99 per report route with concurrent clients over N stored events, over whole days and a ragged range; baseline: the same reports in SQL over the raw events.",
        discussion: """
        Loads the events through the collector's BatchWriter into the database `eventplatform_bench_reporter` on \
        DATABASE_URL's server (kept between runs: a later run with the same --events and --users reuses it).
        """
    )

    @Option(help: "PostgreSQL server URL (its database is replaced). (env: DATABASE_URL)")
    var databaseURL: String?

    @Option(help: "Events stored.")
    var events = 10_000_000

    @Option(help: "Distinct users per source.")
    var users = 100_000

    @Option(help: "Concurrent HTTP clients.")
    var clients = 50

    @Option(help: "Seconds of load per mode (uncached, cached).")
    var seconds = 20

    @Option(help: "Runs of each raw-SQL baseline query (median reported).")
    var baselineRuns = 3

    /// A range of the sample data (it ends 2026-01-01), as report parameters and as SQL bounds.
    struct BenchRange {
        var name: String
        var from: String, to: String
        var sqlFrom: String, sqlTo: String
    }

    /// The 30 days of the sample data, and a ragged range of about as long whose edges are large parts of
    /// a day (the distinct-user reports read most of two daily partitions and look up the edges' users) and
    /// minutes of an hour (events and revenue).
    static let ranges = [
        BenchRange(name: "whole days", from: "2025-12-02", to: "2025-12-31", sqlFrom: "2025-12-02T00:00:00Z", sqlTo: "2026-01-01T00:00:00Z"),
        BenchRange(name: "ragged", from: "2025-12-02T06:30:00Z", to: "2025-12-30T18:45:10Z",
                   sqlFrom: "2025-12-02T06:30:00Z", sqlTo: "2025-12-30T18:45:10Z"),
    ]

    func run() async throws {
        try await BenchDatabase.run(serverURL: databaseURL, prepare: prepareDatabase) { url, client, logger in
            try await measure(url: url, client: client, logger: logger)
        }
    }

    // MARK: Data

    /// The bench database with `events` events loaded, reused when a previous run loaded the same set.
    private func prepareDatabase(server: String, logger: Logger) async throws -> String {
        let name = "eventplatform_bench_reporter"
        let url = PostgresURL.replacingDatabase(of: server, with: name)
        let admin = try await PostgresConnection.connect(url: server, logger: logger)
        let exists = try await admin.query("SELECT 1 FROM pg_database WHERE datname = \(name)").count == 1
        let marker = "events=\(events) users=\(users)"
        if exists {
            let client = PostgresClient(configuration: .init(url: url, maximumConnections: 1), logger: logger)
            let stored = try? await client.query("SELECT description FROM bench_data_set").first?.decode(String.self, column: "description")
            if stored == marker {
                print("reusing \(name): \(marker)")
                // A data set loaded by an earlier build gets the migrations added since (an index, say).
                try await SchemaMigrator(client: client, logger: logger).migrate()
                await client.close()
                await admin.close()
                return url
            }
            await client.close()
            _ = try await admin.execute("DROP DATABASE \(identifier: name) WITH (FORCE)")
        }
        _ = try await admin.execute("CREATE DATABASE \(identifier: name)")
        await admin.close()

        let client = PostgresClient(configuration: .init(url: url, maximumConnections: 3), logger: logger)
        try await SchemaMigrator(client: client, logger: logger).migrate()
        try await load(client: client, logger: logger)
        _ = try await client.execute("CREATE TABLE bench_data_set (description text)")
        _ = try await client.execute("INSERT INTO bench_data_set VALUES (\(marker))")
        _ = try await client.execute("VACUUM ANALYZE")
        await client.close()
        return url
    }

    /// Sample events of the three sources over 30 days, written by two concurrent writers (two partitions of a
    /// pretend topic keyed by user id), as collectors would.
    private func load(client: PostgresClient, logger: Logger) async throws {
        let writers = 2, batch = 5_000
        let started = ContinuousClock.now
        let written = BenchCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writerIndex in 0..<writers {
                let share = events / writers + (writerIndex < events % writers ? 1 : 0)
                group.addTask { [users] in
                    var settings = SampleEventFactory.Settings()
                    settings.usersPerSource = users
                    settings.days = 30
                    settings.endEpochSeconds = 1_767_225_600 // 2026-01-01: a fixed data set, reused across runs
                    settings.invalidShare = 0
                    settings.seed = 1_000 + UInt64(writerIndex)
                    var factory = SampleEventFactory(settings: settings)
                    let writer = BatchWriter(client: client, groupID: "bench", partitions: EventPartitions(client: client, logger: logger))
                    let partition = KafkaTopicPartition(topic: "bench", partition: Int32(writerIndex))
                    var offset: Int64 = 0
                    while offset < share {
                        let count = min(batch, share - Int(offset))
                        var consumed: [ConsumedEvent] = []
                        consumed.reserveCapacity(count)
                        while consumed.count < count {
                            // Each writer owns its users, as a partition keyed by user id does.
                            let sample = factory.next()
                            guard abs(sample.userId.hashValue % writers) == writerIndex else { continue }
                            consumed.append(ConsumedEvent(
                                event: try EventRecord(decoding: sample.json, format: EventFormat(source: sample.source)),
                                payload: sample.json, partition: partition, offset: offset))
                            offset += 1
                        }
                        _ = try await writer.write(consumed, through: [partition: offset])
                        let total = written.add(count)
                        if total % 500_000 < count {
                            let rate = Double(total) / max((ContinuousClock.now - started) / .seconds(1), 0.001)
                            print(String(format: "loaded %d of %d events (%.0f events/s)", total, events, rate))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    // MARK: Measurement

    /// The mix each client cycles through: every route over `range` (retention has none: whole days only).
    static func mix(_ range: BenchRange) -> [HTTPLoadDriver.Request] {
        let retention: [HTTPLoadDriver.Request] = range.name == ranges[0].name
            ? [.init(label: "retention", path: "/stats/retention?start_date=\(range.from)&windows=4")] : []
        let range = "from=\(range.from)&to=\(range.to)"
        return retention + [
            .init(label: "events", path: "/reports/events?\(range)&groupBy=day"),
            .init(label: "events", path: "/reports/events?\(range)&groupBy=source&funnelStage=bottom"),
            .init(label: "revenue", path: "/reports/revenue?\(range)&groupBy=day"),
            .init(label: "demographics", path: "/reports/demographics?\(range)"),
            .init(label: "funnel", path: "/reports/funnel?\(range)"),
            .init(label: "dau", path: "/stats/dau?\(range)"),
            .init(label: "dau", path: "/stats/dau?\(range)&segment=country:UA"),
            .init(label: "top_events", path: "/stats/top-events?\(range)&limit=10"),
        ]
    }

    /// The same reports as plain SQL over the raw events (what the aggregates save).
    static func baselines(_ benchRange: BenchRange) -> [(label: String, sql: String)] {
        let range = "occurred_at >= '\(benchRange.sqlFrom)' AND occurred_at < '\(benchRange.sqlTo)'"
        let day = "(occurred_at AT TIME ZONE 'UTC')::date"
        let week = "date_trunc('week', occurred_at AT TIME ZONE 'UTC')::date"
        return [
            ("events", "SELECT \(day) AS day, count(*) FROM events WHERE \(range) GROUP BY 1"),
            ("revenue", "SELECT \(day) AS day, sum(amount), count(amount) FROM events WHERE \(range) AND amount IS NOT NULL GROUP BY 1"),
            ("demographics", """
                SELECT source, gender, country, count(DISTINCT user_id) FROM events WHERE \(range)
                GROUP BY GROUPING SETS ((source), (source, gender), (source, country))
                """),
            ("funnel", """
                SELECT count(*) FILTER (WHERE top), count(*) FILTER (WHERE bottom), count(*) FILTER (WHERE top AND bottom)
                FROM (SELECT bool_or(funnel_stage = 'top') AS top, bool_or(funnel_stage = 'bottom') AS bottom
                      FROM events WHERE \(range) AND funnel_stage IS NOT NULL GROUP BY source, user_id) u
                """),
            ("dau", "SELECT \(day) AS day, count(DISTINCT (source, user_id)) FROM events WHERE \(range) GROUP BY 1"),
            ("top_events", "SELECT event_type, count(*) FROM events WHERE \(range) GROUP BY 1 ORDER BY 2 DESC LIMIT 10"),
            ("retention", """
                WITH firsts AS (SELECT source, user_id, min(\(week)) AS cohort FROM events GROUP BY 1, 2),
                     active AS (SELECT DISTINCT source, user_id, \(week) AS week FROM events)
                SELECT f.cohort, (a.week - f.cohort) / 7 AS later, count(*) FROM firsts f JOIN active a USING (source, user_id)
                WHERE f.cohort >= '\(ranges[0].from)' AND a.week - f.cohort <= 28 GROUP BY 1, 2
                """),
        ]
    }

    private func measure(url: String, client: PostgresClient, logger: Logger) async throws {
        for range in Self.ranges {
            let mix = Self.mix(range)
            let uncached = try await load(mix, url: url, cacheTimeToLive: .zero, logger: logger)
            let cached = try await load(mix, url: url, cacheTimeToLive: .seconds(1), logger: logger)

            var baseline: [String: Double] = [:]
            for (label, sql) in Self.baselines(range) where mix.contains(where: { $0.label == label }) {
                var times: [Double] = []
                for _ in 0..<baselineRuns {
                    let started = ContinuousClock.now
                    _ = try await client.query(PostgresQuery(unsafeSQL: sql))
                    times.append((ContinuousClock.now - started) / .seconds(1))
                }
                baseline[label] = times.sorted()[times.count / 2]
            }

            print("\n\(events) events, \(users) users per source, \(clients) clients, \(seconds) s per mode, \(range.name) \(range.from)..\(range.to)")
            print("route          uncached p50/p99 (ms)   req/s   cached (1 s) p50/p99 (ms)   req/s   raw SQL median (ms)   raw / uncached p50")
            for label in ["events", "revenue", "demographics", "funnel", "dau", "top_events", "retention"] where mix.contains(where: { $0.label == label }) {
                let u = uncached.latencies[label] ?? [], c = cached.latencies[label] ?? []
                let raw = (baseline[label] ?? 0) * 1000
                let uncachedP50 = Self.percentile(u, 0.5) * 1000
                print(label.padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: " %8.1f / %8.1f  %7.0f   %10.1f / %8.1f  %7.0f   %12.0f   %10.1fx",
                             uncachedP50, Self.percentile(u, 0.99) * 1000, Double(u.count) / Double(seconds),
                             Self.percentile(c, 0.5) * 1000, Self.percentile(c, 0.99) * 1000, Double(c.count) / Double(seconds),
                             raw, uncachedP50 > 0 ? raw / uncachedP50 : 0))
            }
            for (mode, result) in [("uncached", uncached), ("cached", cached)] where !result.failures.isEmpty {
                print("\(mode): answers other than 200: \(result.failures)")
            }
        }
    }

    /// Runs a reporter on a free port and the mix against it for `seconds`.
    private func load(_ mix: [HTTPLoadDriver.Request], url: String, cacheTimeToLive: Duration, logger: Logger) async throws -> HTTPLoadDriver.Results {
        var configuration = ReporterConfiguration()
        configuration.databaseURL = url
        configuration.host = "127.0.0.1"
        configuration.port = try freeLoopbackPort()
        configuration.cacheTimeToLive = cacheTimeToLive
        let pool = PostgresClient(
            configuration: .init(url: configuration.connectionURL, maximumConnections: configuration.maximumConnections), logger: logger)
        let app = Reporter.buildApplication(configuration: configuration, client: pool, registry: PrometheusCollectorRegistry(), logger: logger)
        let services = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        let results = try await withThrowingTaskGroup(of: HTTPLoadDriver.Results?.self) { group in
            group.addTask { try await services.run(); return nil }
            while !(await GatewayLoadClient.isServing(URL(string: "http://127.0.0.1:\(configuration.port)/health/live")!)) {
                try await Task.sleep(for: .milliseconds(50))
            }
            // Warm-up: every request once, so connections and plans exist before timing.
            _ = try await HTTPLoadDriver(port: configuration.port, clients: 1).run(mix, for: .milliseconds(1))
            let results = try await HTTPLoadDriver(port: configuration.port, clients: clients).run(mix, for: .seconds(seconds))
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return results
        }
        await pool.close()
        return results
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }
}
