import EventPublisher
import Foundation
import Gateway
import TestInfrastructure
import Testing

/// The figures of issue 4, printed; run in a release build with `GATEWAY_BENCHMARK=1`.
@Suite struct GatewayBenchmarkTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["GATEWAY_BENCHMARK"] != nil))
    func fullSizeBulkRequest() async throws {
        let run = UUID().uuidString.prefix(8)
        let events = (0..<50_000).map { index in
            index % 2 == 0
                ? SampleEvents.facebookBottom(id: "bench-\(run)-\(index)", user: "u\(index % 5_000)")
                : SampleEvents.tiktokTop(id: "bench-\(run)-\(index)", user: "u\(index % 5_000)")
        }
        let body = Array(SampleEvents.bulk(events).utf8)
        var configuration = GatewayConfiguration()
        configuration.topics = GatewayTopics(prefix: TestEnvironment.uniqueName("gw-bench") + ".")
        let report = try await GatewayBenchmark.bulkRequest(
            body: body,
            configuration: configuration,
            publisher: .production(brokers: try TestEnvironment.kafkaBrokers()),
            repetitions: 5,
            logger: testLogger
        )
        print(report)
        #expect(report.request.count == 5)
    }
}
