public import Kafka

/// One partition of a group's topic, as one lag read found it.
public struct PartitionOffsets: Sendable, Hashable {
    public var partition: KafkaTopicPartition
    /// The group's committed offset (the next record it will read), or `nil` when it has committed none.
    public var committed: Int64?
    /// The oldest offset the partition still keeps (records below it were deleted by retention).
    public var logStart: Int64
    /// The offset the partition's next record will get.
    public var logEnd: Int64

    public init(partition: KafkaTopicPartition, committed: Int64?, logStart: Int64, logEnd: Int64) {
        self.partition = partition
        self.committed = committed
        self.logStart = logStart
        self.logEnd = logEnd
    }

    /// Where the group reads next: its commit, or the log start when it has none or retention has
    /// deleted the records it would read next.
    public var position: Int64 { max(committed ?? logStart, logStart) }

    /// Records waiting for the group: `logEnd - position`, never negative. A partition without a commit
    /// counts the records it keeps, never records already deleted by retention.
    public var lag: Int64 { max(0, logEnd - position) }
}
