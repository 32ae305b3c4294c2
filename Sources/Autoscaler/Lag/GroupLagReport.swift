/// What the lag monitor says about a consumer group after one read.
public struct GroupLagReport: Sendable {
    /// One partition: its offsets and status.
    public struct Partition: Sendable, Hashable {
        public var offsets: PartitionOffsets
        public var status: GroupStatus
    }

    /// The read this report is about.
    public var offsets: GroupOffsets
    public var partitions: [Partition]
    /// The worst status of its partitions (`.stopped` when the group has no member).
    public var status: GroupStatus
    /// How long ago the log end was where the group reads now, on its worst partition; `nil` before the
    /// monitor has seen the log end move.
    public var lagSeconds: Double?
    /// Records per second the group committed over the window; `nil` until the window has two reads.
    public var consumptionRate: Double?

    public var group: String { offsets.group }
    /// Whether every partition was read (a partial or failed read must not be taken for low lag).
    public var isComplete: Bool { offsets.isComplete }
    public var totalLag: Int64 { offsets.totalLag }
}

extension GroupLagReport {
    /// A report of `offsets` alone, without statuses, lag seconds or rate (they need the tracker's history).
    init(unjudged offsets: GroupOffsets) {
        self.init(
            offsets: offsets, partitions: offsets.partitions.map { Partition(offsets: $0, status: .ok) },
            status: .ok, lagSeconds: nil, consumptionRate: nil)
    }
}
