import EventPublisher
import Foundation
@testable import Gateway
import HTTPService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestInfrastructure
import Testing

@Suite struct HealthTests {
    @Test func readyOnlyWhenEveryTopicExists() async throws {
        try await withGateway(createTopics: false) { gateway in
            #expect(try await gateway.get("/health/live").status == .ok)
            // The producer's id first, so that the 503 below is the missing topics' (the id needs none).
            #expect(try await eventually(timeout: .seconds(30)) { gateway.publisher.isReady })
            #expect(try await gateway.get("/health/ready").status == .serviceUnavailable)
            try await gateway.topics.createMissing(brokers: gateway.brokers, partitions: 2, logger: testLogger)
            #expect(try await eventually(timeout: .seconds(30)) { try await gateway.get("/health/ready").status == .ok })
        }
    }

    @Test func notReadyWhileThePublishersProducerAwaitsItsID() async throws {
        // Statistics only every ten minutes: the producer cannot learn that it has its id during the test.
        let slowStatistics: (String) -> PublisherConfiguration = { brokers in
            var configuration = PublisherConfiguration.test(brokers: brokers)
            configuration.kafkaProperties["statistics.interval.ms"] = "600000"
            return configuration
        }
        try await withGateway(publisher: slowStatistics) { (gateway: TestGateway) async throws in
            #expect(try await gateway.get("/health/ready").status == .serviceUnavailable)
            // Only a signal for traffic: what arrives meanwhile is published once the producer has its id.
            #expect(try await gateway.post("/webhook/events", SampleEvents.facebookTop(id: eventID("early"))).status == .accepted)
        }
    }

    @Test func readinessAnswerIsCached() async throws {
        try await withGateway(createTopics: false, configure: { $0.readinessCacheDuration = .seconds(600) }) { gateway in
            // Only the topics' answer is cached; a producer still awaiting its id answers 503 uncached.
            #expect(try await eventually(timeout: .seconds(30)) { gateway.publisher.isReady })
            #expect(try await gateway.get("/health/ready").status == .serviceUnavailable)
            try await gateway.topics.createMissing(brokers: gateway.brokers, partitions: 2, logger: testLogger)
            #expect(try await gateway.get("/health/ready").status == .serviceUnavailable)
        }
    }

    @Test func createMissingLeavesExistingTopicsAlone() async throws {
        let topics = GatewayTopics(prefix: TestEnvironment.uniqueName("gw") + ".")
        #expect(topics.all.count == 4)
        #expect(topics.deadLetter.hasSuffix("events.dlq"))
        let brokers = try TestEnvironment.kafkaBrokers()
        try await topics.createMissing(brokers: brokers, partitions: 2, logger: testLogger)
        try await topics.createMissing(brokers: brokers, partitions: 5, logger: testLogger)
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: brokers), logger: testLogger)
        for topic in topics.all {
            #expect(try await admin.partitions(of: topic) == [0, 1])
        }
    }

    @Test func defaultTopicsAreTheContractNames() {
        let topics = GatewayConfiguration().topics
        #expect(topics.all == ["events.facebook", "events.tiktok", "events.app", "events.dlq"])
        #expect(GatewayConfiguration().topicPartitions == 6)
        #expect(GatewayConfiguration().rateLimit == nil)
    }
}
