public import Kafka
import ServiceSupport

/// How much the publisher may hold: events accepted but not yet acknowledged by Kafka.
///
/// When either bound is reached, ``Publisher/publish(_:)`` waits for room up to ``PublisherConfiguration/enqueueTimeout``
/// and then fails with ``PublisherError/Code/bufferFull``, so memory stays bounded when Kafka falls behind.
public struct PublisherCapacity: Sendable, Hashable {
    public var maximumEvents: Int
    public var maximumBytes: Int

    public init(maximumEvents: Int = 100_000, maximumBytes: Int = 64 * 1024 * 1024) {
        self.maximumEvents = maximumEvents
        self.maximumBytes = maximumBytes
    }
}

/// Everything the publisher needs; start from a preset and change what differs.
public struct PublisherConfiguration: Sendable, Hashable {
    public var brokers: String
    public var batch: BatchPolicy
    public var capacity: PublisherCapacity
    /// How long `publish` waits for room in a full buffer before failing.
    public var enqueueTimeout: Duration
    /// How long Kafka may take to acknowledge an event (librdkafka retries until then) before its
    /// publish fails; bounds how long a broker outage holds callers.
    public var deliveryTimeout: Duration
    /// librdkafka's own wait to fill a produce request.
    public var linger: Duration
    /// How long shutdown waits for outstanding acknowledgements.
    public var shutdownTimeout: Duration
    /// Extra librdkafka properties, applied last (they override the settings above).
    public var kafkaProperties: [String: String]

    public init(
        brokers: String,
        batch: BatchPolicy = BatchPolicy(),
        capacity: PublisherCapacity = PublisherCapacity(),
        enqueueTimeout: Duration = .seconds(5),
        deliveryTimeout: Duration = .seconds(30),
        linger: Duration = .milliseconds(5),
        shutdownTimeout: Duration = .seconds(30),
        kafkaProperties: [String: String] = [:]
    ) {
        self.brokers = brokers
        self.batch = batch
        self.capacity = capacity
        self.enqueueTimeout = enqueueTimeout
        self.deliveryTimeout = deliveryTimeout
        self.linger = linger
        self.shutdownTimeout = shutdownTimeout
        self.kafkaProperties = kafkaProperties
    }

    /// Throughput and safety: the default batch policy, a large buffer, 30 s delivery timeout.
    public static func production(brokers: String) -> Self {
        Self(brokers: brokers, capacity: PublisherCapacity(maximumEvents: 200_000, maximumBytes: 128 * 1024 * 1024))
    }

    /// A laptop: smaller buffer, failures surface after 10 s.
    public static func development(brokers: String) -> Self {
        Self(brokers: brokers, capacity: PublisherCapacity(maximumEvents: 50_000, maximumBytes: 32 * 1024 * 1024),
             deliveryTimeout: .seconds(10), shutdownTimeout: .seconds(10))
    }

    /// Tests: quick timed flushes and quick failures.
    public static func test(brokers: String) -> Self {
        Self(brokers: brokers, batch: BatchPolicy(size: 100, timeout: .milliseconds(50), maximumSize: 500),
             capacity: PublisherCapacity(maximumEvents: 20_000, maximumBytes: 16 * 1024 * 1024),
             enqueueTimeout: .seconds(2), deliveryTimeout: .seconds(5), linger: .milliseconds(1), shutdownTimeout: .seconds(10))
    }

    /// Reads the publisher's settings from environment variables, over a preset.
    ///
    /// `KAFKA_BROKERS`, `PUBLISHER_PRESET` (`production`, `development`, `test`; default `production`),
    /// `PUBLISHER_BATCH_SIZE`, `PUBLISHER_BATCH_TIMEOUT_MS`, `PUBLISHER_MAX_BATCH_SIZE`,
    /// `PUBLISHER_MAX_PENDING_EVENTS`, `PUBLISHER_MAX_PENDING_BYTES`, `PUBLISHER_ENQUEUE_TIMEOUT_MS`,
    /// `PUBLISHER_DELIVERY_TIMEOUT_MS`, `PUBLISHER_LINGER_MS`.
    /// The executable passes its environment in; the library never reads the process environment.
    public init(environment: [String: String]) throws {
        let reader = EnvironmentReader(environment)
        let brokers = reader.string("KAFKA_BROKERS", default: "127.0.0.1:9092")
        switch reader.string("PUBLISHER_PRESET", default: "production") {
        case "production": self = .production(brokers: brokers)
        case "development": self = .development(brokers: brokers)
        case "test": self = .test(brokers: brokers)
        case let other:
            throw EnvironmentReader.InvalidSetting(variable: "PUBLISHER_PRESET", value: other, rule: "expected production, development or test")
        }
        batch.size = try reader.integer("PUBLISHER_BATCH_SIZE", default: batch.size, in: 1...100_000)
        batch.timeout = try reader.milliseconds("PUBLISHER_BATCH_TIMEOUT_MS", default: batch.timeout, in: 1...600_000)
        batch.maximumSize = try reader.integer("PUBLISHER_MAX_BATCH_SIZE", default: batch.maximumSize, in: 1...100_000)
        capacity.maximumEvents = try reader.integer("PUBLISHER_MAX_PENDING_EVENTS", default: capacity.maximumEvents, in: 1...10_000_000)
        capacity.maximumBytes = try reader.integer("PUBLISHER_MAX_PENDING_BYTES", default: capacity.maximumBytes, in: 1024...(1 << 34))
        enqueueTimeout = try reader.milliseconds("PUBLISHER_ENQUEUE_TIMEOUT_MS", default: enqueueTimeout, in: 0...600_000)
        deliveryTimeout = try reader.milliseconds("PUBLISHER_DELIVERY_TIMEOUT_MS", default: deliveryTimeout, in: 100...3_600_000)
        linger = try reader.milliseconds("PUBLISHER_LINGER_MS", default: linger, in: 0...60_000)
        try validate()
    }

    /// Throws when settings contradict each other.
    public func validate() throws(PublisherConfigurationError) {
        try batch.validate()
        guard capacity.maximumEvents >= batch.maximumSize else {
            throw .invalid("the buffer (\(capacity.maximumEvents) events) must hold at least one maximum batch (\(batch.maximumSize))")
        }
        guard capacity.maximumBytes > 0 else { throw .invalid("the buffer needs a positive byte capacity") }
        guard brokers.contains(":") else { throw .invalid("brokers must be host:port[,host:port], got '\(brokers)'") }
    }

    /// librdkafka settings for the producer: `acks=all`, idempotence, lz4, plus ``kafkaProperties``.
    public var kafkaConfiguration: KafkaConfiguration {
        var configuration = KafkaConfiguration.producer(brokers: brokers, deliveryTimeout: deliveryTimeout, linger: linger)
        // librdkafka's own queue must never be the bound: ours is, with a clear error.
        configuration["queue.buffering.max.messages"] = String(max(capacity.maximumEvents * 2, 100_000))
        configuration["queue.buffering.max.kbytes"] = String(max(capacity.maximumBytes / 1024 * 2, 65_536))
        for (name, value) in kafkaProperties { configuration[name] = value }
        return configuration
    }
}
