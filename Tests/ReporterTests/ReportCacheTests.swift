import Foundation
import HummingbirdTesting
import Hummingbird
import NIOCore
import Postgres
import Prometheus
@testable import Reporter
import TestInfrastructure
import Testing

@Suite struct ReportCacheTests {
    private static func report(_ text: String) -> RenderedReport {
        RenderedReport(contentType: "text/plain", body: ByteBuffer(string: text))
    }

    @Test func concurrentIdenticalRequestsShareOneComputation() async throws {
        let cache = ReportCache(timeToLive: .seconds(60))
        let computations = Locked(0)
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let results = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            for _ in 0..<50 {
                group.addTask {
                    let (report, hit) = try await cache.answer(for: "k") {
                        computations.withLock { $0 += 1 }
                        for await _ in gate { break }
                        return Self.report("answer")
                    }
                    return (String(buffer: report.body), hit)
                }
            }
            // Without sharing, the 50 tasks would all be computing now: give them half a second to show it.
            let deadline = ContinuousClock.now + .milliseconds(500)
            while ContinuousClock.now < deadline, computations.value <= 1 { await Task.yield() }
            open.finish()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(computations.value == 1)
        #expect(results.allSatisfy { $0.0 == "answer" })
        #expect(results.filter { !$0.1 }.count == 1, "exactly one request ran the query")
    }

    @Test func answersExpireAndErrorsAreNotKept() async throws {
        let cache = ReportCache(timeToLive: .seconds(2))
        let computations = Locked(0)
        let compute = { @Sendable () async throws -> RenderedReport in
            Self.report("v\(computations.withLock { $0 += 1; return $0 })")
        }
        #expect(String(buffer: try await cache.answer(for: "k", compute: compute).report.body) == "v1")
        #expect(String(buffer: try await cache.answer(for: "k", compute: compute).report.body) == "v1")
        #expect(String(buffer: try await cache.answer(for: "other", compute: compute).report.body) == "v2")
        // Long enough that a stalled test thread still finds "v1" kept; expired after 2 s: poll until
        // the answer is computed again.
        let deadline = ContinuousClock.now + .seconds(10)
        var latest = ""
        while ContinuousClock.now < deadline, latest != "v3" {
            latest = String(buffer: try await cache.answer(for: "k", compute: compute).report.body)
            if latest != "v3" { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(latest == "v3")

        struct Failure: Error {}
        await #expect(throws: Failure.self) { try await cache.answer(for: "bad") { throw Failure() } }
        #expect(String(buffer: try await cache.answer(for: "bad", compute: compute).report.body) == "v4")
    }

    @Test func whileAnExpiredAnswerIsRecomputedOthersGetItAtOnce() async throws {
        let cache = ReportCache(timeToLive: .milliseconds(20))
        _ = try await cache.answer(for: "k") { Self.report("old") }
        // Expired: this request recomputes, held until the gate opens.
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let started = Locked(false)
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                var answer = ""
                while answer != "new" {
                    answer = String(buffer: try await cache.answer(for: "k") {
                        started.withLock { $0 = true }
                        for await _ in gate {}
                        return Self.report("new")
                    }.report.body)
                }
                return answer
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while !started.value, ContinuousClock.now < deadline { await Task.yield() }
            #expect(started.value)
            // Meanwhile: the expired answer, without waiting for the query.
            let meanwhile = try await cache.answer(for: "k") { Self.report("not asked") }
            #expect(String(buffer: meanwhile.report.body) == "old" && meanwhile.hit)
            open.finish()
            #expect(try await group.next() == "new")
        }
    }

    @Test func keptAnswersAreBounded() async throws {
        let cache = ReportCache(timeToLive: .seconds(60), capacity: 3)
        let computations = Locked(0)
        let compute = { @Sendable () async throws -> RenderedReport in
            computations.withLock { $0 += 1 }
            return Self.report("x")
        }
        for key in ["a", "b", "c", "d"] { _ = try await cache.answer(for: key, compute: compute) }
        _ = try await cache.answer(for: "a", compute: compute)
        #expect(computations.value == 5, "the earliest-expiring answer was dropped for the fourth")
    }

    /// Answers of any size were kept, up to 1,024 of them: a large answer (every cohort since year 1 was
    /// 720 MB) stayed in memory. Answers over the answer limit are shared but not kept, and the kept ones
    /// together stay within the byte limit.
    @Test func keptBytesAreBounded() async throws {
        let cache = ReportCache(timeToLive: .seconds(60), maximumBytes: 25, maximumAnswerBytes: 10)
        let computations = Locked(0)
        let compute = { @Sendable (size: Int) async throws -> RenderedReport in
            computations.withLock { $0 += 1 }
            return Self.report(String(repeating: "x", count: size))
        }
        _ = try await cache.answer(for: "large") { try await compute(11) }
        _ = try await cache.answer(for: "large") { try await compute(11) }
        #expect(computations.value == 2, "an answer over the answer limit is not kept")
        for key in ["a", "b", "c"] { _ = try await cache.answer(for: key) { try await compute(10) } }
        _ = try await cache.answer(for: "a") { try await compute(10) }
        #expect(computations.value == 6, "three answers of 10 bytes exceed 25: the earliest-expiring one was dropped")
        _ = try await cache.answer(for: "c") { try await compute(10) }
        #expect(computations.value == 6)
    }

    /// Through the router and a real database: a kept answer hides a change for at most its time to live;
    /// without caching the change shows at once.
    @Test func theRouterServesKeptAnswersUntilTheyExpire() async throws {
        try await ReportTestDatabase.with { database in
            let uri = "/reports/events?from=2025-11-01&to=2026-02-01"
            func total(_ ttl: Duration, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
                let registry = PrometheusCollectorRegistry()
                let router = makeRouter(
                    client: database.reader, registry: registry,
                    metrics: ReporterMetrics(factory: PrometheusMetricsFactory(registry: registry)), cacheTimeToLive: ttl)
                try await Application(router: router, logger: testLogger).test(.router) { try await body($0) }
            }
            @Sendable func read(_ client: any TestClientProtocol, _ uri: String) async throws -> Int {
                let response = try await client.execute(uri: uri, method: .get)
                let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                return object?["total"] as? Int ?? -1
            }
            let insert: PostgresQuery = """
                INSERT INTO event_counts_hourly (hour, source, event_type, funnel_stage, events)
                VALUES ('2025-12-15T10:00:00Z', 'app', 'cache_probe', NULL, 7)
                """
            try await total(.seconds(600)) { client in
                let before = try await read(client, uri)
                _ = try await database.client.execute(insert)
                #expect(try await read(client, uri) == before, "the kept answer is served")
                #expect(try await read(client, uri + "&source=app") > 0)
                let csv = try await client.execute(uri: uri, method: .get, headers: [.accept: "text/csv"])
                #expect(String(buffer: csv.body) == "total\r\n\(before + 7)\r\n", "CSV is its own answer, computed now")
            }
            try await total(.zero) { client in
                let now = try await read(client, uri)
                _ = try await database.client.execute("UPDATE event_counts_hourly SET events = 8 WHERE event_type = 'cache_probe'")
                #expect(try await read(client, uri) == now + 1, "without caching every request reads the aggregates")
            }
        }
    }
}

@Suite struct QueryGateTests {
    @Test func atMostLimitBodiesRunAtOnceAndAllRun() async throws {
        let gate = QueryGate(limit: 2)
        let running = Locked(0), peak = Locked(0), done = Locked(0)
        let (second, open) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    try await gate.withPermit(waitingAtMost: .seconds(60)) {
                        let now = running.withLock { $0 += 1; return $0 }
                        peak.withLock { $0 = max($0, now) }
                        if now == 2 { open.finish() }
                        // The first one inside holds its permit until a second one is inside too.
                        for await _ in second {}
                        running.withLock { $0 -= 1 }
                        done.withLock { $0 += 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(peak.value == 2)
        #expect(done.value == 10)
    }

    @Test func aBodyThatCannotGetInWithinItsWaitIsToldSo() async throws {
        let gate = QueryGate(limit: 1)
        let (hold, release) = AsyncStream.makeStream(of: Void.self)
        let holding = Locked(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await gate.withPermit(waitingAtMost: .seconds(60)) {
                    holding.withLock { $0 = true }
                    for await _ in hold {}
                }
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while !holding.value, ContinuousClock.now < deadline { await Task.yield() }
            await #expect(throws: QueryGate.Busy.self) {
                try await gate.withPermit(waitingAtMost: .milliseconds(50)) { Issue.record("ran while the permit was held") }
            }
            release.finish()
            try await group.waitForAll()
        }
        // The one that gave up left the line: the permit is free again.
        #expect(try await gate.withPermit(waitingAtMost: .milliseconds(50)) { 42 } == 42)
    }
}
