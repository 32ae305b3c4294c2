public import Kafka

/// Turns a group's successive lag reads into its lag in seconds, consumption rate and status.
///
/// Statuses follow Burrow's rules, evaluated over the reads of the last `window` (plus the newest read
/// before it, so that a full window is covered): a partition whose lag is zero now is OK; one whose
/// committed offset is below an earlier one in the window is REWOUND; one with lag on every read and a
/// committed offset that never moved is STALLED; one with lag on every read that only grew is LAGGING.
/// A group without members is STOPPED. Failed or partial reads are reported but not recorded.
public struct GroupLagTracker: Sendable {
    public let window: Duration
    private var reads: [GroupOffsets] = []
    private var timelines: [KafkaTopicPartition: EndOffsetTimeline] = [:]

    public init(window: Duration = .seconds(30)) {
        self.window = window
    }

    /// Records `offsets` (when complete) and reports on the group.
    public mutating func record(_ offsets: GroupOffsets) -> GroupLagReport {
        guard offsets.isComplete else {
            return GroupLagReport(
                offsets: offsets, partitions: offsets.partitions.map { .init(offsets: $0, status: .ok) },
                status: offsets.members == 0 ? .stopped : .ok, lagSeconds: nil, consumptionRate: nil)
        }
        remember(offsets)
        let covered = reads.count >= 2 && offsets.time - reads[0].time >= window
        var partitions: [GroupLagReport.Partition] = []
        var lagSeconds: Double?
        for partition in offsets.partitions {
            let history = reads.compactMap { read in read.partitions.first { $0.partition == partition.partition } }
            partitions.append(.init(offsets: partition, status: Self.status(of: history, members: offsets.members, windowCovered: covered)))
            if let seconds = timelines[partition.partition]?.lagSeconds(at: partition.position, now: offsets.time) {
                lagSeconds = max(lagSeconds ?? 0, seconds)
            }
        }
        let status = offsets.members == 0 ? .stopped : partitions.map(\.status).max() ?? .ok
        return GroupLagReport(offsets: offsets, partitions: partitions, status: status, lagSeconds: lagSeconds, consumptionRate: consumptionRate())
    }

    private mutating func remember(_ offsets: GroupOffsets) {
        reads.append(offsets)
        // Keep the reads inside the window and the newest one before it.
        while reads.count > 2, offsets.time - reads[1].time >= window { reads.removeFirst() }
        for partition in offsets.partitions {
            timelines[partition.partition, default: EndOffsetTimeline()].add(offset: partition.logEnd, at: offsets.time)
        }
    }

    /// Records per second committed between the oldest and the newest read, over partitions in both.
    private func consumptionRate() -> Double? {
        guard let first = reads.first, let last = reads.last, last.time > first.time else { return nil }
        let before = Dictionary(first.partitions.map { ($0.partition, $0.position) }, uniquingKeysWith: { $1 })
        var consumed: Int64 = 0
        for partition in last.partitions {
            if let start = before[partition.partition] { consumed += max(0, partition.position - start) }
        }
        let (seconds, attoseconds) = (last.time - first.time).components
        return Double(consumed) / (Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// Burrow's partition rules over `history` (oldest first, the current read last).
    static func status(of history: [PartitionOffsets], members: Int?, windowCovered: Bool) -> GroupStatus {
        if members == 0 { return .stopped }
        guard let current = history.last, current.lag > 0 else { return .ok }
        let positions = history.map(\.position)
        if let highest = positions.dropLast().max(), current.position < highest { return .rewound }
        guard windowCovered, history.allSatisfy({ $0.lag > 0 }) else { return .ok }
        if Set(positions).count == 1 { return .stalled }
        let lags = history.map(\.lag)
        if zip(lags, lags.dropFirst()).allSatisfy({ $0 <= $1 }), lags.last! > lags.first! { return .lagging }
        return .ok
    }
}
