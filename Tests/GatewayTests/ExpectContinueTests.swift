import EventPublisher
import Foundation
@testable import Gateway
import Prometheus
import ServiceLifecycle
import Synchronization
import TestInfrastructure
import Testing

/// curl sends `Expect: 100-continue` for bodies over 1 KiB and waits up to a second for `100 Continue`
/// before it sends the body: the gateway answers it at once.
@Suite struct ExpectContinueTests {
    @Test func aRequestThatExpectsContinueGetsItBeforeItsBodyIsSent() async throws {
        let brokers = try TestEnvironment.kafkaBrokers()
        let configuration = try await liveGatewayConfiguration(brokers: brokers)
        let registry = PrometheusCollectorRegistry()
        let port = Mutex<Int?>(nil)
        let app = try makeApplication(
            configuration: configuration,
            publisher: try Publisher(configuration: .test(brokers: brokers), logger: testLogger),
            registry: registry,
            metricsFactory: PrometheusMetricsFactory(registry: registry),
            logger: testLogger,
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }
        )
        let services = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: testLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let listening = try await eventually(timeout: .seconds(30)) { port.withLock { $0 } != nil }
            let serverPort = try #require(listening ? port.withLock { $0 } : nil)

            let body = Array(SampleEvents.bulk((0..<20).map { _ in SampleEvents.product() }).utf8)
            let connection = try RawHTTPConnection(port: serverPort, readTimeoutSeconds: 5)
            try connection.write(Array("""
                POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                Content-Length: \(body.count)\r\nExpect: 100-continue\r\n\r\n
                """.utf8))
            let interim = await connection.readHead()
            #expect(interim.hasPrefix("HTTP/1.1 100 Continue"), "no 100 Continue before the body: \(interim)")
            try connection.write(body)
            let answer = await connection.readAnswer()
            #expect(answer.contains("HTTP/1.1 202"), "\(answer)")
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
