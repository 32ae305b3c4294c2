import EventPublisher
import Foundation
import HTTPService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestInfrastructure
import Testing

/// Kafka unavailable: 503 with `Retry-After` and nothing claimed; once Kafka is back, the same request
/// is accepted.
@Suite struct BrokerOutageTests {
    @Test func brokerDownAnswers503ThenTheSameRequestSucceeds() async throws {
        let broker = try PrivateBroker()
        defer { broker.stop() }
        let events = [SampleEvents.facebookTop(id: eventID("outage"), user: "o1"), SampleEvents.tiktokTop(id: eventID("outage"), user: "o2")]
        let body = SampleEvents.array(events)
        let quickFailures: (String) -> PublisherConfiguration = { brokers in
            var configuration = PublisherConfiguration.test(brokers: brokers)
            configuration.deliveryTimeout = .seconds(3)
            configuration.enqueueTimeout = .seconds(2)
            return configuration
        }
        try await withGateway(brokers: broker.address, publisher: quickFailures) { gateway in
            #expect(try await gateway.post("/webhook/events", SampleEvents.facebookTop(id: eventID("warm"))).status == .accepted)
            #expect(try await gateway.get("/health/ready").status == .ok)

            broker.stop()
            let refused = try await gateway.post("/webhook/events", body)
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "5")
            let answer = try json(refused)
            #expect(answer["error"] is String)
            #expect(answer["accepted"] == nil)
            #expect(try await gateway.get("/health/ready").status == .serviceUnavailable)
            #expect(try await gateway.metricsText().contains(#"gateway_events_rejected_total{source="facebook",reason="unavailable"} 1"#))

            // Back, empty (memory storage): topics again, then the same request, until the producer has
            // reconnected (after a broker loses its state the publisher replaces its idempotent producer).
            try broker.start()
            try await gateway.topics.createMissing(brokers: broker.address, partitions: 3, logger: testLogger)
            let deadline = ContinuousClock.now + .seconds(90)
            var retried = try await gateway.post("/webhook/events", body)
            while retried.status == .serviceUnavailable, ContinuousClock.now < deadline {
                retried = try await gateway.post("/webhook/events", body)
            }
            #expect(retried.status == .accepted)
            #expect(try Summary(retried) == Summary(accepted: 2, rejected: 0, duplicates: 0, errors: []))
            // The records may have gone out on the old producer while its replacement still awaits its id.
            #expect(try await eventually(timeout: .seconds(30)) { try await gateway.get("/health/ready").status == .ok })

            let records = try await readTopics([gateway.topics.facebook, gateway.topics.tiktok], brokers: broker.address, expecting: 2)
            #expect(Set(records.map(\.value)) == Set(events.map { Array($0.utf8) }))
        }
    }
}
