/// A record header: a name and raw bytes.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    public init(name: String, value: String) {
        self.init(name: name, value: Array(value.utf8))
    }
}

/// A record to produce.
public struct KafkaProducerRecord: Sendable, Hashable {
    public var topic: String
    /// The partition key; records with equal keys go to the same partition (murmur2, as Java clients).
    public var key: [UInt8]?
    /// The value; a slice, so a record can carry part of a larger buffer (an event of a request body)
    /// without a copy of its own. The whole buffer stays in memory while the record does (librdkafka
    /// copies the value when it takes the record).
    public var value: ArraySlice<UInt8>
    public var headers: [KafkaHeader]
    /// An explicit partition, or `nil` to let the partitioner choose from the key.
    public var partition: Int32?

    public init(
        topic: String, key: [UInt8]? = nil, value: ArraySlice<UInt8>, headers: [KafkaHeader] = [], partition: Int32? = nil
    ) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
    }

    public init(topic: String, key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = [], partition: Int32? = nil) {
        self.init(topic: topic, key: key, value: value[...], headers: headers, partition: partition)
    }
}

/// A record read by a consumer.
public struct KafkaConsumerRecord: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// Milliseconds since the epoch, as the producer or broker stamped the record, if known.
    public var timestampMilliseconds: Int64?

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8],
        headers: [KafkaHeader], timestampMilliseconds: Int64?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// The value of the first header named `name`, as UTF-8 text.
    public func header(_ name: String) -> String? {
        headers.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }
}

/// One partition of a topic.
public struct KafkaTopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// What happened to one produced record, reported once per record.
public struct KafkaDeliveryReport: Sendable {
    /// The identifier the producer was given with the record.
    public var id: UInt64
    public var topic: String
    public var partition: Int32
    /// The record's offset in its partition, when the broker reported it.
    public var offset: Int64?
    /// `nil` when the broker acknowledged the record.
    public var error: KafkaError?
}
