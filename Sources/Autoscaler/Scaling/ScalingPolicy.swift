/// How many collector instances a consumer group should run for its lag: KEDA's Kafka scaler semantics,
/// without the walls its users hit.
///
/// One instance per `lagThreshold` records of total lag (KEDA's `lagThreshold` with an `AverageValue`
/// target), at least `minimumReplicas`, at most `maximumReplicas` and never more than the topic has
/// partitions (an instance beyond them would own nothing). Unlike KEDA on Kubernetes' HPA there is no
/// 10% tolerance, so the last step up to the partition count is always reachable.
public struct ScalingPolicy: Sendable, Hashable {
    /// Fewest instances.
    public var minimumReplicas: Int
    /// Most instances; `nil` means the partition count. The partition count caps it either way.
    public var maximumReplicas: Int?
    /// Target lag per instance: the recommendation is `ceil(total lag / lagThreshold)`.
    public var lagThreshold: Int64
    /// At or below this total lag the group runs `minimumReplicas`.
    public var activationLagThreshold: Int64
    /// How long a recommendation counts when scaling in: the group scales in only to the highest
    /// recommendation of this window, so a dip in lag does not stop instances it will need again.
    public var scaleDownStabilization: Duration
    /// When set, also enough instances that the backlog drains within this time at the measured rate
    /// per instance; the larger of the two recommendations wins.
    public var targetDrainTime: Duration?
    /// Only instance counts that divide the partitions evenly (each instance owns as many partitions).
    public var evenPartitions: Bool
    /// How long after a scale-out its effect on the consumption rate is judged (new members must join
    /// their group and the rate window must fill).
    public var saturationSettleTime: Duration
    /// The relative rise of the consumption rate a scale-out must bring; when it brings less, the
    /// downstream (PostgreSQL) is the bottleneck and more instances would not help.
    public var saturationMinimumGain: Double

    public init(
        minimumReplicas: Int = 1,
        maximumReplicas: Int? = nil,
        lagThreshold: Int64 = 50_000,
        activationLagThreshold: Int64 = 0,
        scaleDownStabilization: Duration = .seconds(60),
        targetDrainTime: Duration? = nil,
        evenPartitions: Bool = false,
        saturationSettleTime: Duration = .seconds(30),
        saturationMinimumGain: Double = 0.1
    ) {
        self.minimumReplicas = minimumReplicas
        self.maximumReplicas = maximumReplicas
        self.lagThreshold = lagThreshold
        self.activationLagThreshold = activationLagThreshold
        self.scaleDownStabilization = scaleDownStabilization
        self.targetDrainTime = targetDrainTime
        self.evenPartitions = evenPartitions
        self.saturationSettleTime = saturationSettleTime
        self.saturationMinimumGain = saturationMinimumGain
    }

    /// The settings that contradict each other or make no sense, each named as its flag is.
    public var problems: [String] {
        var problems: [String] = []
        if minimumReplicas < 0 { problems.append("--min-replicas must be 0 or more") }
        if let maximumReplicas {
            if maximumReplicas < 1 { problems.append("--max-replicas must be at least 1") }
            if maximumReplicas < minimumReplicas { problems.append("--max-replicas (\(maximumReplicas)) is below --min-replicas (\(minimumReplicas))") }
        }
        if lagThreshold < 1 { problems.append("--lag-threshold must be at least 1") }
        if activationLagThreshold < 0 { problems.append("--activation-lag-threshold must be 0 or more") }
        if scaleDownStabilization < .zero { problems.append("--scale-down-stabilization must be 0 or more") }
        if let targetDrainTime, targetDrainTime <= .zero { problems.append("--target-drain-seconds must be more than 0") }
        return problems
    }

    /// The most instances for a topic with `partitions` partitions.
    public func ceiling(partitions: Int) -> Int {
        max(0, min(maximumReplicas ?? partitions, partitions))
    }

    /// The fewest instances for a topic with `partitions` partitions.
    public func floor(partitions: Int) -> Int {
        min(minimumReplicas, ceiling(partitions: partitions))
    }

    /// The instances `totalLag` calls for, before stabilisation.
    ///
    /// - Parameter ratePerReplica: records per second one instance consumes, for the drain-time target.
    public func recommendedReplicas(totalLag: Int64, partitions: Int, ratePerReplica: Double?) -> Int {
        let floor = floor(partitions: partitions), ceiling = ceiling(partitions: partitions)
        guard totalLag > activationLagThreshold else { return floor }
        var replicas = Int((totalLag + lagThreshold - 1) / lagThreshold)
        if let targetDrainTime, let ratePerReplica, ratePerReplica > 0 {
            let drainSeconds = Double(targetDrainTime.components.seconds) + Double(targetDrainTime.components.attoseconds) / 1e18
            let byDrain = (Double(totalLag) / (ratePerReplica * drainSeconds)).rounded(.up)
            replicas = max(replicas, Int(min(byDrain, Double(partitions))))
        }
        replicas = min(max(replicas, floor), ceiling)
        return evenPartitions ? Self.evenSpread(replicas, partitions: partitions, floor: floor, ceiling: ceiling) : replicas
    }

    /// The smallest divisor of `partitions` from `replicas` up to `ceiling`, else the largest one from
    /// `floor` up to `replicas`; `replicas` itself when no divisor lies between `floor` and `ceiling`.
    static func evenSpread(_ replicas: Int, partitions: Int, floor: Int, ceiling: Int) -> Int {
        guard partitions > 0, replicas > 0 else { return replicas }
        let divides = { (count: Int) in count > 0 && partitions % count == 0 }
        if let up = (replicas...max(replicas, ceiling)).first(where: divides) { return up }
        if let down = (max(1, floor)...replicas).reversed().first(where: divides) { return down }
        return replicas
    }
}
