import EventPublisher
import Foundation
@testable import Gateway
import HTTPService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import Prometheus
import TestInfrastructure
import Testing

let testLogger: Logger = {
    var logger = Logger(label: "gateway-tests")
    logger.logLevel = .warning
    return logger
}()

/// A running gateway of a test: its HTTP client, its own topics, and its metrics.
struct TestGateway: Sendable {
    let client: any TestClientProtocol
    let topics: GatewayTopics
    let brokers: String
    let registry: PrometheusCollectorRegistry
    let publisher: Publisher

    /// POSTs `body` to `path` and returns the answer.
    func post(_ path: String, _ body: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await post(path, Array(body.utf8), headers: headers)
    }

    func post(_ path: String, _ body: [UInt8], headers: HTTPFields = [:]) async throws -> TestResponse {
        try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    func get(_ path: String) async throws -> TestResponse {
        try await client.execute(uri: path, method: .get)
    }

    /// The text `/metrics` serves now.
    func metricsText() async throws -> String {
        String(buffer: try await get("/metrics").body)
    }
}

/// Runs a gateway with topics of its own (a unique prefix, created first) around `body`, then shuts it
/// down gracefully (the publisher drains).
func withGateway<T: Sendable>(
    brokers: String? = nil,
    publisher: ((String) -> PublisherConfiguration)? = nil,
    createTopics: Bool = true,
    configure: (inout GatewayConfiguration) -> Void = { _ in },
    _ body: @Sendable (TestGateway) async throws -> T
) async throws -> T {
    let brokers = try brokers ?? TestEnvironment.kafkaBrokers()
    var configuration = GatewayConfiguration()
    configuration.topics = GatewayTopics(prefix: TestEnvironment.uniqueName("gw") + ".")
    configuration.readinessCacheDuration = .zero
    configure(&configuration)
    if createTopics {
        try await configuration.topics.createMissing(brokers: brokers, partitions: 3, logger: testLogger)
    }
    let publisher = try Publisher(configuration: publisher?(brokers) ?? .test(brokers: brokers), logger: testLogger)
    let registry = PrometheusCollectorRegistry()
    let app = try buildApplication(
        configuration: configuration,
        publisher: publisher,
        registry: registry,
        metricsFactory: PrometheusMetricsFactory(registry: registry),
        logger: testLogger
    )
    let topics = configuration.topics
    return try await app.test(.router) { client in
        try await body(TestGateway(client: client, topics: topics, brokers: brokers, registry: registry, publisher: publisher))
    }
}

/// A gateway configuration for a real server on a free local port, with topics of its own (created, one
/// partition each), for tests that talk to it over raw sockets.
func liveGatewayConfiguration(brokers: String) async throws -> GatewayConfiguration {
    var configuration = GatewayConfiguration()
    configuration.port = 0
    configuration.host = "127.0.0.1"
    configuration.topics = GatewayTopics(prefix: TestEnvironment.uniqueName("gw") + ".")
    try await configuration.topics.createMissing(brokers: brokers, partitions: 1, logger: testLogger)
    return configuration
}

/// Reads `topics` from the beginning in a fresh group until `count` records arrived or `timeout`
/// passed, then a little longer, so that a duplicate beyond `count` would be seen.
func readTopics(_ topics: [String], brokers: String, expecting count: Int, timeout: Duration = .seconds(120)) async throws -> [KafkaConsumerRecord] {
    let consumer = try KafkaConsumer(
        configuration: .consumer(brokers: brokers, groupID: TestEnvironment.uniqueName("gateway-reader")), logger: testLogger
    )
    try consumer.subscribe(to: topics)
    var records: [KafkaConsumerRecord] = []
    let deadline = ContinuousClock.now + timeout
    while records.count < count, ContinuousClock.now < deadline {
        records += try await consumer.poll(maxRecords: 10_000, timeout: .milliseconds(200))
    }
    let settle = ContinuousClock.now + .seconds(1)
    while ContinuousClock.now < settle {
        records += try await consumer.poll(maxRecords: 10_000, timeout: .milliseconds(200))
    }
    await consumer.close()
    return records
}

/// The answer's JSON object.
func json(_ response: TestResponse) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body))
    return try #require(object as? [String: Any], "not a JSON object: \(String(buffer: response.body))")
}

/// The summary of an event request's answer (contract section 2).
struct Summary: Decodable, Equatable {
    struct Failure: Decodable, Equatable {
        var index: Int
        var eventId: String?
        var error: String
    }

    var accepted: Int
    var rejected: Int
    var duplicates: Int
    var errors: [Failure]

    init(_ response: TestResponse) throws {
        self = try JSONDecoder().decode(Summary.self, from: Data(buffer: response.body))
    }
}

/// Events of contract section 1 as JSON text, valid unless changed.
enum SampleEvents {
    static func facebookTop(id: String, user: String = "fb-user-1") -> String {
        #"{"eventId":"\#(id)","timestamp":"2025-01-15T12:00:00Z","source":"facebook","funnelStage":"top","eventType":"ad.view","data":{"user":{"userId":"\#(user)","name":"Ann","age":30,"gender":"female","location":{"country":"UA","city":"Kyiv"}},"engagement":{"actionTime":"2025-01-15T12:00:01.250+02:00","referrer":"newsfeed","videoId":null}}}"#
    }

    /// Pretty-printed, with an unknown extra field: what is published must be these exact bytes.
    static func facebookBottom(id: String, user: String = "fb-user-2") -> String {
        """
        {
          "eventId": "\(id)",
          "timestamp": "2025-01-15T12:05:00.5Z",
          "source": "facebook",
          "funnelStage": "bottom",
          "eventType": "checkout.complete",
          "extra": {"ignored": [1, 2, 3]},
          "data": {
            "user": {"userId": "\(user)", "name": "Bob \\u00e9", "age": 41, "gender": "male", "location": {"country": "DE", "city": "Berlin"}},
            "engagement": {"adId": "ad_1", "campaignId": "cmp_7", "clickPosition": "center", "device": "desktop", "browser": "Firefox", "purchaseAmount": "129.99"}
          }
        }
        """
    }

    static func tiktokTop(id: String, user: String = "tt-user-1", percentageWatched: String = "87.5") -> String {
        #"{"eventId":"\#(id)","timestamp":"2025-01-15T13:00:00Z","source":"tiktok","funnelStage":"top","eventType":"video.view","data":{"user":{"userId":"\#(user)","username":"dancer","followers":12000},"engagement":{"watchTime":12.5,"percentageWatched":\#(percentageWatched),"device":"iOS","country":"US","videoId":"vid_9"}}}"#
    }

    static func tiktokBottom(id: String, user: String = "tt-user-2") -> String {
        #"{"eventId":"\#(id)","timestamp":"2025-01-15T13:10:00Z","source":"tiktok","funnelStage":"bottom","eventType":"purchase","data":{"user":{"userId":"\#(user)","username":"buyer","followers":0},"engagement":{"actionTime":"2025-01-15T13:10:00Z","profileId":null,"purchasedItem":"hat","purchaseAmount":"9.99"}}}"#
    }

    static func product(id: String = UUID().uuidString.lowercased(), user: String = "user_123") -> String {
        #"{ "event_id": "\#(id)", "occurred_at": "2025-01-15T12:00:00Z", "user_id": "\#(user)", "event_type": "page_view", "properties": { "page": "/home", "country": "UA", "amount": "5.00" } }"#
    }

    static func array(_ events: [String]) -> String { "[" + events.joined(separator: ",") + "]" }
    static func bulk(_ events: [String]) -> String { #"{"events":["# + events.joined(separator: ",") + "]}" }
}

/// A unique event id for a test.
func eventID(_ prefix: String = "evt") -> String { TestEnvironment.uniqueName(prefix) }

/// Runs a live gateway (real server on a free port) configured by `configure`.
func withLiveGateway(
    configure: (inout GatewayConfiguration) -> Void,
    _ body: @Sendable (_ port: Int, _ client: any TestClientProtocol, _ registry: PrometheusCollectorRegistry) async throws -> Void
) async throws {
    let brokers = try TestEnvironment.kafkaBrokers()
    var configuration = try await liveGatewayConfiguration(brokers: brokers)
    configure(&configuration)
    let registry = PrometheusCollectorRegistry()
    let app = try buildApplication(
        configuration: configuration,
        publisher: try Publisher(configuration: .test(brokers: brokers), logger: testLogger),
        registry: registry,
        metricsFactory: PrometheusMetricsFactory(registry: registry),
        logger: testLogger
    )
    try await app.test(.live) { client in
        try await body(try #require(client.port), client, registry)
    }
}
