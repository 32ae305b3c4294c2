import EventPublisher
import Foundation
@testable import Gateway
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Synchronization
import TestInfrastructure
import Testing

/// The gateway's graceful shutdown order: the server stops taking connections and finishes the requests in
/// hand while the publisher still runs, so those are acknowledged by Kafka (202); only then does the
/// publisher drain and stop. With the publisher stopped first, such a request would answer 503.
@Suite struct GracefulShutdownTests {
    @Test func aRequestInFlightWhenShutdownBeginsIsStillPublished() async throws {
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

            let ids = (0..<10).map { _ in UUID().uuidString.lowercased() }
            let body = Array(SampleEvents.bulk(ids.map { SampleEvents.product(id: $0) }).utf8)
            let connection = try RawHTTPConnection(port: serverPort)
            try connection.write(Array("POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.count)\r\nContent-Type: application/json\r\n\r\n".utf8))
            try connection.write(Array(body[..<(body.count / 2)]))
            // The request is in hand once its handler has reserved memory for its announced body. (An
            // answer on a second connection proved nothing: that one may be served by the other event
            // loop before this one's head is read, and a connection with no request yet is closed.)
            let reserved = "gateway_body_memory_bytes \(BodyMemoryBudget.cost(ofBodyBytes: body.count))"
            let inHand = try await eventually(timeout: .seconds(30)) { registry.emitToString().contains(reserved) }
            #expect(inHand, "the server did not start reading the request")

            await services.triggerGracefulShutdown()
            // The server has begun its shutdown once it refuses new connections.
            let refusing = try await eventually(timeout: .seconds(30)) { (try? RawHTTPConnection(port: serverPort)) == nil }
            #expect(refusing, "the server still takes connections after the shutdown began")

            try connection.write(Array(body[(body.count / 2)...]))
            let answer = await connection.readAnswer()
            #expect(answer.hasPrefix("HTTP/1.1 202"), "\(answer)")
            try await group.waitForAll()

            let records = try await readTopics([configuration.topics.app], brokers: brokers, expecting: ids.count, timeout: .seconds(60))
            #expect(Set(records.map { String(decoding: $0.value, as: UTF8.self) }).count == ids.count)
            #expect(ids.allSatisfy { id in records.contains { String(decoding: $0.value, as: UTF8.self).contains(id) } })
        }
    }
}
