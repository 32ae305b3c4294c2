/// Applies a ``ScalingPolicy`` to one group's lag reports over time: scale out at once, scale in only
/// to the highest recommendation of the stabilisation window, hold on a failed read, and stop adding
/// instances that do not raise the consumption rate (the saturation guard).
public struct ReplicaScaler: Sendable {
    public let policy: ScalingPolicy
    private var recommendations: [(time: ContinuousClock.Instant, replicas: Int)] = []
    private var lastScaleOut: (time: ContinuousClock.Instant, replicas: Int, rateBefore: Double)?
    private var saturation: (rateBefore: Double, rateAfter: Double)?

    public init(policy: ScalingPolicy) {
        self.policy = policy
    }

    /// What one read calls for.
    public struct Input: Sendable {
        /// The group's total lag, or `nil` when the read failed.
        public var totalLag: Int64?
        /// Whether every partition was read.
        public var isComplete: Bool
        public var failure: String?
        public var partitions: Int
        /// Records per second the group consumes now, if measured.
        public var consumptionRate: Double?
        /// Instances running now.
        public var currentReplicas: Int
        public var time: ContinuousClock.Instant

        public init(
            totalLag: Int64?, isComplete: Bool, failure: String? = nil, partitions: Int, consumptionRate: Double?,
            currentReplicas: Int, time: ContinuousClock.Instant
        ) {
            self.totalLag = totalLag
            self.isComplete = isComplete
            self.failure = failure
            self.partitions = partitions
            self.consumptionRate = consumptionRate
            self.currentReplicas = currentReplicas
            self.time = time
        }

        /// The input of a lag report, with `currentReplicas` running.
        public init(_ report: GroupLagReport, currentReplicas: Int) {
            self.init(
                totalLag: report.offsets.failure == nil ? report.totalLag : nil, isComplete: report.isComplete,
                failure: report.offsets.failure ?? (report.isComplete ? nil : "read \(report.offsets.partitions.count) of \(report.offsets.expectedPartitions) partitions"),
                partitions: report.offsets.expectedPartitions, consumptionRate: report.consumptionRate,
                currentReplicas: currentReplicas, time: report.offsets.time)
        }
    }

    public mutating func decide(_ input: Input) -> ScalingDecision {
        let current = input.currentReplicas
        guard input.isComplete, let totalLag = input.totalLag else {
            // Never scale in on a read that cannot see everything; still bring a group up to its minimum.
            let floor = input.partitions > 0 ? policy.floor(partitions: input.partitions) : policy.minimumReplicas
            return ScalingDecision(replicas: max(current, floor), reason: .holdingOnFailedRead(input.failure ?? "lag read failed"))
        }
        let ratePerReplica = current > 0 ? input.consumptionRate.map { $0 / Double(current) } : nil
        let recommended = policy.recommendedReplicas(totalLag: totalLag, partitions: input.partitions, ratePerReplica: ratePerReplica)
        recommendations.append((input.time, recommended))
        let stabilization = policy.scaleDownStabilization
        recommendations.removeAll { input.time - $0.time > stabilization }

        if recommended > current {
            if let decision = guardSaturation(recommended: recommended, input: input) { return decision }
            // Only a scale-out from a group that was consuming can be judged by its rate afterwards.
            if current > 0, let rate = input.consumptionRate, rate > 0 { lastScaleOut = (input.time, recommended, rate) }
            return ScalingDecision(replicas: recommended, reason: .lag)
        }
        saturation = nil
        let stabilized = min(current, recommendations.map(\.replicas).max() ?? recommended)
        if stabilized < current { lastScaleOut = nil }
        if stabilized > recommended { return ScalingDecision(replicas: stabilized, reason: .stabilizing(recommended: recommended)) }
        return ScalingDecision(replicas: stabilized, reason: totalLag <= policy.activationLagThreshold ? .belowActivation : .lag)
    }

    /// Holds the size when the last scale-out's effect is not known yet, or when it did not raise the
    /// consumption rate by `saturationMinimumGain`; `nil` when scaling out may go ahead.
    private mutating func guardSaturation(recommended: Int, input: Input) -> ScalingDecision? {
        if let saturation {
            return ScalingDecision(
                replicas: input.currentReplicas,
                reason: .saturated(recommended: recommended, rateBefore: saturation.rateBefore, rateAfter: saturation.rateAfter))
        }
        guard let last = lastScaleOut, input.currentReplicas >= last.replicas else { return nil }
        guard input.time - last.time >= policy.saturationSettleTime else {
            return ScalingDecision(replicas: input.currentReplicas, reason: .awaitingRate(recommended: recommended))
        }
        lastScaleOut = nil
        let before = last.rateBefore
        guard let after = input.consumptionRate, after < before * (1 + policy.saturationMinimumGain) else { return nil }
        saturation = (before, after)
        return ScalingDecision(replicas: input.currentReplicas, reason: .saturated(recommended: recommended, rateBefore: before, rateAfter: after))
    }
}
