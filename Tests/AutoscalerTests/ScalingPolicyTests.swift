@testable import Autoscaler
import Testing

@Suite struct ScalingPolicyTests {
    let policy = ScalingPolicy(minimumReplicas: 1, maximumReplicas: 10, lagThreshold: 1000)

    @Test func oneReplicaPerThresholdOfLagRoundedUp() {
        #expect(policy.recommendedReplicas(totalLag: 1, partitions: 6, ratePerReplica: nil) == 1)
        #expect(policy.recommendedReplicas(totalLag: 1000, partitions: 6, ratePerReplica: nil) == 1)
        #expect(policy.recommendedReplicas(totalLag: 1001, partitions: 6, ratePerReplica: nil) == 2)
        #expect(policy.recommendedReplicas(totalLag: 3500, partitions: 6, ratePerReplica: nil) == 4)
    }

    @Test func neverMoreThanThePartitionsOrTheMaximum() {
        #expect(policy.recommendedReplicas(totalLag: 1_000_000, partitions: 6, ratePerReplica: nil) == 6)
        #expect(policy.recommendedReplicas(totalLag: 1_000_000, partitions: 50, ratePerReplica: nil) == 10)
        // No maximum: the partition count is the ceiling.
        #expect(ScalingPolicy(lagThreshold: 1).recommendedReplicas(totalLag: 1_000_000, partitions: 12, ratePerReplica: nil) == 12)
    }

    @Test func atOrBelowTheActivationThresholdTheMinimumRuns() {
        let policy = ScalingPolicy(minimumReplicas: 0, lagThreshold: 100, activationLagThreshold: 500)
        #expect(policy.recommendedReplicas(totalLag: 500, partitions: 6, ratePerReplica: nil) == 0)
        #expect(policy.recommendedReplicas(totalLag: 501, partitions: 6, ratePerReplica: nil) == 6)
        #expect(ScalingPolicy(minimumReplicas: 2, lagThreshold: 100).recommendedReplicas(totalLag: 0, partitions: 6, ratePerReplica: nil) == 2)
    }

    /// KEDA on the HPA cannot take the last step to the partition count: with 5 of 6 replicas and the
    /// metric capped at 6 x threshold, 6/5 = 1.2 passes its 10% tolerance but 64/63 does not. Here every step is reachable.
    @Test func noDeadZoneBeforeThePartitionCount() {
        let policy = ScalingPolicy(lagThreshold: 100)
        #expect(policy.recommendedReplicas(totalLag: 6_301, partitions: 64, ratePerReplica: nil) == 64)
        var scaler = ReplicaScaler(policy: policy)
        let decision = scaler.decide(.init(totalLag: 6_400, isComplete: true, partitions: 64, consumptionRate: nil, currentReplicas: 63, time: .now))
        #expect(decision.replicas == 64)
    }

    @Test func evenSpreadTakesTheNextDivisorOfThePartitions() {
        let policy = ScalingPolicy(lagThreshold: 100, evenPartitions: true)
        #expect(policy.recommendedReplicas(totalLag: 100, partitions: 12, ratePerReplica: nil) == 1)
        #expect(policy.recommendedReplicas(totalLag: 401, partitions: 12, ratePerReplica: nil) == 6)
        #expect(policy.recommendedReplicas(totalLag: 700, partitions: 12, ratePerReplica: nil) == 12)
        #expect(policy.recommendedReplicas(totalLag: 401, partitions: 6, ratePerReplica: nil) == 6)
        #expect(policy.recommendedReplicas(totalLag: 201, partitions: 6, ratePerReplica: nil) == 3)
        // A maximum that is no divisor: the largest divisor below it.
        var capped = policy
        capped.maximumReplicas = 5
        #expect(capped.recommendedReplicas(totalLag: 401, partitions: 6, ratePerReplica: nil) == 3)
    }

    @Test func drainTargetAddsReplicasWhenTheThresholdIsNotEnough() {
        let policy = ScalingPolicy(lagThreshold: 100_000, targetDrainTime: .seconds(60))
        // 120,000 records at 1,000/s per replica within 60 s: 2 replicas; the threshold alone says 2 as well.
        #expect(policy.recommendedReplicas(totalLag: 120_000, partitions: 6, ratePerReplica: 1_000) == 2)
        // 300,000 at 1,000/s within 60 s: 5; the threshold says 3.
        #expect(policy.recommendedReplicas(totalLag: 300_000, partitions: 6, ratePerReplica: 1_000) == 5)
        // Never above the partitions; without a measured rate, the threshold alone.
        #expect(policy.recommendedReplicas(totalLag: 3_000_000, partitions: 6, ratePerReplica: 10) == 6)
        #expect(policy.recommendedReplicas(totalLag: 300_000, partitions: 6, ratePerReplica: nil) == 3)
    }

    @Test func contradictorySettingsAreNamedByFlag() {
        #expect(ScalingPolicy(minimumReplicas: 3, maximumReplicas: 2).problems == ["--max-replicas (2) is below --min-replicas (3)"])
        #expect(ScalingPolicy(lagThreshold: 0).problems == ["--lag-threshold must be at least 1"])
        #expect(ScalingPolicy().problems.isEmpty)
    }
}
