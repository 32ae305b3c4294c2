public import EventModel
public import Kafka

/// A decoded event with the record it came from: what the ``BatchWriter`` stores.
public struct ConsumedEvent: Sendable {
    /// The event's typed fields.
    public var event: EventRecord
    /// The record's value, the event's JSON as published; stored as the raw payload.
    public var payload: [UInt8]
    /// Where the record was read.
    public var partition: KafkaTopicPartition
    public var offset: Int64
    /// The record's `correlation-id` header, for logs.
    public var correlationID: String?

    /// An event read at `offset` of `partition`.
    public init(event: EventRecord, payload: [UInt8], partition: KafkaTopicPartition, offset: Int64, correlationID: String? = nil) {
        self.event = event
        self.payload = payload
        self.partition = partition
        self.offset = offset
        self.correlationID = correlationID
    }
}
