/// Decides how many collector instances a consumer group should run, from its total lag.
///
/// One instance per `lagPerReplica` records of backlog, never fewer than `minimumReplicas`, and never
/// more than the topic has partitions (an instance beyond that would own nothing) or `maximumReplicas`.
public struct ScalingPolicy: Sendable, Hashable {
    public var lagPerReplica: Int64
    public var minimumReplicas: Int
    public var maximumReplicas: Int

    public init(lagPerReplica: Int64 = 50_000, minimumReplicas: Int = 1, maximumReplicas: Int = 6) {
        precondition(lagPerReplica > 0, "lagPerReplica must be positive")
        precondition(minimumReplicas >= 0 && minimumReplicas <= maximumReplicas, "need 0 <= minimumReplicas <= maximumReplicas")
        self.lagPerReplica = lagPerReplica
        self.minimumReplicas = minimumReplicas
        self.maximumReplicas = maximumReplicas
    }

    /// The number of instances for `totalLag` records of backlog over `partitions` partitions.
    public func desiredReplicas(totalLag: Int64, partitions: Int) -> Int {
        let byLag = Int((max(0, totalLag) + lagPerReplica - 1) / lagPerReplica)
        let ceiling = min(maximumReplicas, partitions)
        return max(min(byLag, ceiling), min(minimumReplicas, ceiling))
    }
}
