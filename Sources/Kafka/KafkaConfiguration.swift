/// librdkafka configuration properties (`bootstrap.servers`, `acks`, ...), as librdkafka names them.
///
/// Typed presets for the producer and the consumer build on this; any other librdkafka property can be
/// set by name. Invalid names or values are reported when a client is created.
public struct KafkaConfiguration: Sendable, Hashable {
    public var properties: [String: String]

    public init(brokers: String, properties: [String: String] = [:]) {
        self.properties = properties
        self.properties["bootstrap.servers"] = brokers
    }

    public subscript(name: String) -> String? {
        get { properties[name] }
        set { properties[name] = newValue }
    }

    /// Settings for a producer that must not lose or duplicate: `acks=all`, idempotence, lz4.
    ///
    /// - Parameters:
    ///   - deliveryTimeout: how long librdkafka retries a record before reporting it failed
    ///     (`message.timeout.ms`); this bounds how long a broker outage can hold a publish.
    ///   - linger: how long librdkafka waits to fill a produce request (`linger.ms`).
    public static func producer(
        brokers: String,
        deliveryTimeout: Duration = .seconds(30),
        linger: Duration = .milliseconds(5)
    ) -> KafkaConfiguration {
        KafkaConfiguration(brokers: brokers, properties: [
            "acks": "all",
            "enable.idempotence": "true",
            "compression.type": "lz4",
            "linger.ms": String(linger.milliseconds),
            "message.timeout.ms": String(deliveryTimeout.milliseconds),
            "partitioner": "murmur2_random",
            "queue.buffering.max.messages": "1000000",
            "queue.buffering.max.kbytes": "1048576",
            "batch.num.messages": "10000",
            "socket.keepalive.enable": "true",
            // Statistics say when the producer has its producer id (`KafkaProducer.isAwaitingProducerID`).
            "statistics.interval.ms": "200",
        ])
    }

    /// Settings for a consumer-group member that commits offsets itself (no auto commit).
    ///
    /// The session timeout defaults to 6 s, the least a stock Kafka broker accepts
    /// (`group.min.session.timeout.ms`), not to Kafka's 45 s: the local broker holds every join, and so
    /// every rebalance of the group, for half of it (see the platform contract, section 7).
    public static func consumer(
        brokers: String,
        groupID: String,
        startFromBeginning: Bool = true,
        sessionTimeout: Duration = .seconds(6)
    ) -> KafkaConfiguration {
        KafkaConfiguration(brokers: brokers, properties: [
            "group.id": groupID,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": startFromBeginning ? "earliest" : "latest",
            "session.timeout.ms": String(sessionTimeout.milliseconds),
            "heartbeat.interval.ms": String(max(sessionTimeout.milliseconds / 5, 100)),
            "partition.assignment.strategy": "range,roundrobin",
            "socket.keepalive.enable": "true",
        ])
    }
}

extension Duration {
    /// Whole milliseconds, rounded down, as librdkafka takes them.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    var timeoutMilliseconds: Int32 { Int32(clamping: milliseconds) }
}
