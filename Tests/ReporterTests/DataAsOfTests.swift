import Foundation
import HummingbirdTesting
import Hummingbird
import Postgres
import Prometheus
@testable import Reporter
import Testing

/// Every answer says up to when every collector group has stored what Kafka held: the earliest
/// completeness mark in `collector_offsets`, as a `Data-As-Of` header and, in object answers, `data_as_of`.
@Suite struct DataAsOfTests {
    static let uris = [
        "/reports/events?from=2025-12-10T06:30:00Z&to=2025-12-12", "/reports/revenue?from=2025-12-10&to=2025-12-12",
        "/reports/funnel?from=2025-12-10&to=2025-12-12T13:00:00Z", "/reports/demographics?from=2025-12-10&to=2025-12-12",
        "/stats/dau?from=2025-12-10&to=2025-12-12", "/stats/top-events?from=2025-12-10&to=2025-12-12",
        "/stats/retention?start_date=2025-12-01",
    ]

    @Test func answersCarryTheEarliestCompletenessMarkOfEveryGroup() async throws {
        try await ReportTestDatabase.with { database in
            let registry = PrometheusCollectorRegistry()
            let router = makeRouter(client: database.reader, registry: registry,
                                    metrics: ReporterMetrics(factory: PrometheusMetricsFactory(registry: registry)))
            try await Application(router: router, logger: testLogger).test(.router) { client in
                func answers() async throws -> [(header: String?, field: Any?, body: Any)] {
                    var answers: [(String?, Any?, Any)] = []
                    for uri in Self.uris {
                        let response = try await client.execute(uri: uri, method: .get)
                        #expect(response.status == .ok, "\(uri)")
                        let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
                        answers.append((response.headers[.dataAsOf], (body as? [String: Any])?["data_as_of"], body))
                    }
                    return answers
                }
                // The test data's partition has no mark yet: freshness unknown, so none is claimed.
                for answer in try await answers() {
                    #expect(answer.header == nil && answer.field == nil)
                }

                // A second group is behind the first: the answer is as fresh as the one behind, to the second.
                try await database.client.execute("UPDATE collector_offsets SET complete_through = '2025-12-31T23:59:58.7Z'")
                try await database.client.execute("""
                    INSERT INTO collector_offsets (group_id, topic, partition, next_offset, complete_through)
                    VALUES ('collector-app', 'events.app', 0, 10, '2025-12-31T23:00:00.9Z'), ('collector-app', 'events.app', 1, 4, '2026-01-01T00:00:00Z')
                    """)
                for (uri, answer) in zip(Self.uris, try await answers()) {
                    #expect(answer.header == "2025-12-31T23:00:00Z", "\(uri)")
                    if answer.body is [Any] {
                        #expect(answer.field == nil, "\(uri) stays a bare array")
                    } else {
                        #expect(answer.field as? String == "2025-12-31T23:00:00Z", "\(uri)")
                    }
                }
                let csv = try await client.execute(uri: Self.uris[4], method: .get, headers: [.accept: "text/csv"])
                #expect(csv.headers[.dataAsOf] == "2025-12-31T23:00:00Z")
            }
        }
    }
}
