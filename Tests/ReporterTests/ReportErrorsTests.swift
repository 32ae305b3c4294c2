import Foundation
import Hummingbird
import HummingbirdTesting
import Postgres
import Prometheus
@testable import Reporter
import Testing

/// Bad input over HTTP: a 400 `{"error": ...}` naming the parameter, answered before the database is
/// touched (the client here points at no server at all).
@Suite struct ReportErrorsTests {
    struct ErrorBody: Decodable { var error: String }

    static let cases: [(uri: String, parameter: String)] = [
        ("/reports/events?to=2025-01-02", "from"),
        ("/reports/events?from=2025-01-01&to=2025-01-02&source=x", "unknown source 'x'; expected facebook, tiktok or app"),
        ("/reports/events?from=2025-01-01&to=2025-01-02&groupBy=week", "groupBy"),
        ("/reports/events?from=2025-01-01&to=2025-01-02&colour=red", "colour"),
        ("/reports/revenue?from=2025-01-01&to=2025-01-02&groupBy=eventType", "groupBy"),
        ("/reports/revenue?from=2025-01-01&to=soon", "to"),
        ("/reports/funnel?from=2025-01-01&to=2025-01-02&segment=country:UA", "segment"),
        ("/stats/dau?from=2025-01-01&to=2025-01-02&segment=planet:mars", "segment"),
        ("/stats/top-events?from=2025-01-01&to=2025-01-02&limit=1000", "limit"),
        ("/stats/top-events?from=2025-01-01&to=2025-01-02&limit=-1", "limit"),
        ("/reports/demographics?from=2025-01-01T10:00:00.5Z&to=2025-01-02", "whole second"),
        // schemathesis: a NUL in a value reached PostgreSQL, which cannot hold one (500).
        ("/stats/dau?from=1970-01-05&to=1970-03-02&segment=properties.device%3A3j%00Q", "segment must not contain NUL"),
        ("/reports/events?from=2025-01-01&to=2025-01-02&eventType=a%00", "eventType must not contain NUL"),
        ("/stats/retention?windows=3", "start_date"),
        ("/stats/retention?start_date=2025-01-06&windows=99", "windows"),
        ("/stats/retention?start_date=2025-01-06&limit=5", "limit"),
        // It answered 500 "internal error" on a small database, and built ~105,000 cohorts on a larger one.
        ("/stats/retention?start_date=0001-01-01&windows=52", "start_date must be 1970-01-01 or later"),
    ]

    @Test func badParametersAnswer400NamingTheParameter() async throws {
        let client = PostgresClient(configuration: .init(url: "postgres://nobody@127.0.0.1:1/none", maximumConnections: 1), logger: testLogger)
        let registry = PrometheusCollectorRegistry()
        let router = makeRouter(client: client, registry: registry, metrics: ReporterMetrics(factory: PrometheusMetricsFactory(registry: registry)))
        try await Application(router: router, logger: testLogger).test(.router) { http in
            for (uri, parameter) in Self.cases {
                let response = try await http.execute(uri: uri, method: .get)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(response.headers[.contentType] == "application/json")
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(body.error.contains(parameter), "\(uri): \(body.error)")
            }
            let document = try await http.execute(uri: "/openapi.yaml", method: .get)
            #expect(document.status == .ok)
            #expect(String(decoding: document.body.readableBytesView, as: UTF8.self) == OpenAPIDocument.yaml)
            let metrics = String(decoding: try await http.execute(uri: "/metrics", method: .get).body.readableBytesView, as: UTF8.self)
            #expect(metrics.contains(#"reporter_requests_total{report="events",status="400"}"#))
        }
        await client.close()
    }

    /// A database that cannot be reached is the client's "retry later", not a server bug.
    @Test func anUnreachableDatabaseAnswers503WithRetryAfter() async throws {
        let client = PostgresClient(configuration: .init(url: "postgres://nobody@127.0.0.1:1/none", maximumConnections: 1), logger: testLogger)
        let registry = PrometheusCollectorRegistry()
        let router = makeRouter(client: client, registry: registry, metrics: ReporterMetrics(factory: PrometheusMetricsFactory(registry: registry)))
        try await Application(router: router, logger: testLogger).test(.router) { http in
            let response = try await http.execute(uri: "/reports/events?from=2025-12-01&to=2025-12-02", method: .get)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "5")
            let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
            #expect(body.error == "the database is unavailable; retry later")
        }
        await client.close()
    }

    /// A report cut off by the statement timeout is the client's "retry later" (503), not a server bug.
    @Test func aQueryCutOffByTheStatementTimeoutAnswers503() async throws {
        try await ReportTestDatabase.with { database in
            var configuration = ReporterConfiguration()
            configuration.databaseURL = database.url
            configuration.statementTimeout = .milliseconds(1)
            let impatient = PostgresClient(configuration: .init(url: configuration.connectionURL, maximumConnections: 1), logger: testLogger)
            let registry = PrometheusCollectorRegistry()
            let router = makeRouter(client: impatient, registry: registry, metrics: ReporterMetrics(factory: PrometheusMetricsFactory(registry: registry)))
            try await Application(router: router, logger: testLogger).test(.router) { http in
                let response = try await http.execute(uri: "/reports/demographics?from=2025-11-01&to=2026-01-31", method: .get)
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "5")
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(body.error.contains("statement timeout"))
            }
            await impatient.close()
        }
    }
}
