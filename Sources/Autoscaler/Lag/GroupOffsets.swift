/// What one lag read found for a consumer group: its partitions' offsets and its members.
public struct GroupOffsets: Sendable {
    public var group: String
    public var time: ContinuousClock.Instant
    /// The partitions that could be read.
    public var partitions: [PartitionOffsets]
    /// How many partitions the group's topics have; more than `partitions.count` when some could not be read.
    public var expectedPartitions: Int
    /// The group's members, or `nil` when the group could not be described.
    public var members: Int?
    /// Why the read is missing or partial, if it is.
    public var failure: String?

    public init(
        group: String, time: ContinuousClock.Instant, partitions: [PartitionOffsets], expectedPartitions: Int,
        members: Int?, failure: String? = nil
    ) {
        self.group = group
        self.time = time
        self.partitions = partitions
        self.expectedPartitions = expectedPartitions
        self.members = members
        self.failure = failure
    }

    /// A read that found nothing, because of `failure`.
    public static func failed(group: String, time: ContinuousClock.Instant, failure: String) -> GroupOffsets {
        GroupOffsets(group: group, time: time, partitions: [], expectedPartitions: 0, members: nil, failure: failure)
    }

    /// Whether every partition was read: only then does the total lag say how far behind the group is.
    public var isComplete: Bool { failure == nil && expectedPartitions > 0 && partitions.count == expectedPartitions }

    /// The lag summed over the partitions that were read.
    public var totalLag: Int64 { partitions.reduce(0) { $0 + $1.lag } }
}
