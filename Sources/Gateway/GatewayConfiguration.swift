public import EventModel
public import EventPublisher

/// Settings of the ingestion gateway, with the contract's defaults (section 2).
///
/// A plain value: the executable reads the environment and fills it in; tests change what they need.
public struct GatewayConfiguration: Sendable, Hashable {
    /// The address to listen on.
    public var host: String = "0.0.0.0"
    /// The HTTP port.
    public var port: Int = 8080
    /// Requests with a larger body answer 413.
    public var maximumBodyBytes: Int = 64 * 1024 * 1024
    /// Memory all request bodies being read and parsed may hold at once, counted as five times each
    /// body's size (``BodyMemoryBudget``); requests beyond it answer 503 with `Retry-After`.
    public var maximumBodyMemory: Int = 320 * 1024 * 1024
    /// How long a connection may stay open without a request in progress; slow or idle clients cannot
    /// hold connections for ever.
    public var idleTimeout: Duration = .seconds(60)
    /// Bulk requests with more events answer 413.
    public var maximumEventsPerRequest: Int = 50_000
    /// What the platform can store (event time window, event size); events that break it are invalid items.
    public var storability: StorabilityRule = StorabilityRule()
    /// How long a client may take to send its request body; slower ones answer 408. Waiting for Kafka
    /// is bounded by the publisher's enqueue and delivery timeouts instead (503 when they pass), so that
    /// a request never gives up on events the publisher still holds.
    public var requestTimeout: Duration = .seconds(30)
    /// The `Retry-After` given with 503 when Kafka is unavailable.
    public var retryAfter: Duration = .seconds(5)
    /// Per-client rate limiting of the event routes; nil (the default) turns it off.
    public var rateLimit: RateLimit? = nil
    /// HMAC-SHA256 secrets of the sources that sign their requests (see ``RequestSignature`` for which
    /// routes each secret protects). A source without a secret is not checked.
    public var signingSecrets: [EventSource: String] = [:]
    /// The Kafka topics the gateway publishes to and creates on start.
    public var topics: GatewayTopics = GatewayTopics()
    /// Partitions of each topic created on start.
    public var topicPartitions: Int32 = 6
    /// How long `/health/ready` reuses its last answer, so probes do not hammer Kafka.
    public var readinessCacheDuration: Duration = .seconds(3)

    public init() {}

    /// A token bucket per client: `requestsPerSecond` is the refill rate, `burst` the bucket size, both
    /// counted in requests.
    public struct RateLimit: Sendable, Hashable {
        /// Requests per second a client may sustain.
        public var requestsPerSecond: Double
        /// Requests a client may send at once after being idle.
        public var burst: Int
        /// How many clients are tracked at most; beyond it idle clients are forgotten first.
        public var maximumClients: Int
        /// Addresses of the proxies (load balancers) whose `X-Forwarded-For` names the client; from any
        /// other connection the header is ignored and the remote address is the client.
        public var trustedProxies: Set<String>

        public init(requestsPerSecond: Double, burst: Int, maximumClients: Int = 100_000, trustedProxies: Set<String> = []) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = burst
            self.maximumClients = maximumClients
            self.trustedProxies = trustedProxies
        }
    }
}

extension GatewayConfiguration {
    /// The least ``maximumBodyMemory`` that holds one body of ``maximumBodyBytes`` with its parse.
    public var minimumBodyMemory: Int { BodyMemoryBudget.cost(ofBodyBytes: maximumBodyBytes) }

    /// Throws when a setting is out of range.
    public func validate() throws(GatewayConfigurationError) {
        guard (1...65_535).contains(port) || port == 0 else { throw .invalid("port must be 0...65535, got \(port)") }
        guard maximumBodyBytes > 0 else { throw .invalid("the body limit must be positive") }
        guard minimumBodyMemory <= maximumBodyMemory else {
            throw .invalid("the body memory (\(maximumBodyMemory) bytes) must hold five times the largest body (\(maximumBodyBytes) bytes)")
        }
        guard idleTimeout > .zero else { throw .invalid("the idle timeout must be positive") }
        guard maximumEventsPerRequest > 0 else { throw .invalid("the event limit must be positive") }
        guard topicPartitions > 0 else { throw .invalid("topics need at least one partition") }
        guard requestTimeout > .zero else { throw .invalid("the request timeout must be positive") }
        if let rateLimit {
            guard rateLimit.requestsPerSecond > 0, rateLimit.burst > 0, rateLimit.maximumClients > 0 else {
                throw .invalid("the rate limit needs a positive rate, burst and client count")
            }
        }
        for (source, secret) in signingSecrets where secret.isEmpty {
            throw .invalid("the signing secret of \(source.rawValue) is empty")
        }
    }
}

/// A gateway setting that is out of range.
public struct GatewayConfigurationError: Error, Sendable, CustomStringConvertible {
    public let description: String

    static func invalid(_ description: String) -> Self { Self(description: description) }
}

extension GatewayConfiguration {
    /// librdkafka's `linger.ms` for the gateway's publisher unless `PUBLISHER_LINGER_MS` says otherwise.
    /// Every answer waits for its events' acknowledgements, so the linger is part of each request's
    /// latency, and with a fixed number of clients it bounds throughput; each produce request costs the
    /// broker, which shares the same cores. On the 2-core machine (`up`, 50 connections, a fresh broker)
    /// the library's 5 ms left the cores idle at ~7,200 single-event requests a second; 2 ms made so many
    /// small produce requests that the broker took half a core; 3 ms did best (~9,800 against ~9,000 for
    /// 2 ms over eight alternating pairs; docs/performance.md).
    public static let publisherLinger: Duration = .milliseconds(3)

    /// The gateway's publisher settings from `environment` (``PublisherConfiguration/init(environment:)``),
    /// lingering ``publisherLinger`` unless the environment sets `PUBLISHER_LINGER_MS`.
    public static func publisherConfiguration(environment: [String: String]) throws -> PublisherConfiguration {
        var configuration = try PublisherConfiguration(environment: environment)
        if environment["PUBLISHER_LINGER_MS"] == nil { configuration.linger = publisherLinger }
        return configuration
    }
}
