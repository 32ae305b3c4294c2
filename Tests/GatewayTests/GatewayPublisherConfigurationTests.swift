import EventPublisher
import Gateway
import Testing

/// The gateway's publisher settings: the library's, but lingering less, since every answer waits for
/// its events' acknowledgements.
struct GatewayPublisherConfigurationTests {
    @Test func theGatewayLingersThreeMillisecondsByDefault() throws {
        let configuration = try GatewayConfiguration.publisherConfiguration(environment: ["KAFKA_BROKERS": "kafka:9092"])
        #expect(configuration.linger == .milliseconds(3))
        #expect(try PublisherConfiguration(environment: [:]).linger == .milliseconds(5), "the library's own default")
        #expect(configuration.brokers == "kafka:9092")
    }

    @Test func publisherLingerFromTheEnvironmentDecides() throws {
        let configuration = try GatewayConfiguration.publisherConfiguration(environment: ["PUBLISHER_LINGER_MS": "7"])
        #expect(configuration.linger == .milliseconds(7))
    }
}
