/// Where Kafka stored an acknowledged event.
public struct DeliveryReceipt: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    /// The offset in the partition; `nil` when the broker did not report one.
    public var offset: Int64?

    public init(topic: String, partition: Int32, offset: Int64?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}
