import Autoscaler
import Testing

@Suite struct ScalingPolicyTests {
    let policy = ScalingPolicy(lagPerReplica: 1000, minimumReplicas: 1, maximumReplicas: 10)

    @Test func oneReplicaPerLagUnitRoundedUp() {
        #expect(policy.desiredReplicas(totalLag: 1, partitions: 6) == 1)
        #expect(policy.desiredReplicas(totalLag: 1000, partitions: 6) == 1)
        #expect(policy.desiredReplicas(totalLag: 1001, partitions: 6) == 2)
        #expect(policy.desiredReplicas(totalLag: 3500, partitions: 6) == 4)
    }

    @Test func neverMoreThanThePartitionsOrTheMaximum() {
        #expect(policy.desiredReplicas(totalLag: 1_000_000, partitions: 6) == 6)
        #expect(policy.desiredReplicas(totalLag: 1_000_000, partitions: 50) == 10)
    }

    @Test func drainedLagScalesDownToTheMinimum() {
        #expect(policy.desiredReplicas(totalLag: 0, partitions: 6) == 1)
        #expect(policy.desiredReplicas(totalLag: -5, partitions: 6) == 1)
        #expect(ScalingPolicy(lagPerReplica: 10, minimumReplicas: 0, maximumReplicas: 3).desiredReplicas(totalLag: 0, partitions: 6) == 0)
    }
}
