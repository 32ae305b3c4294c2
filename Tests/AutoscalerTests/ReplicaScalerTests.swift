@testable import Autoscaler
import Testing

@Suite struct ReplicaScalerTests {
    let start = ContinuousClock.now

    func input(lag: Int64?, replicas: Int, at seconds: Int, rate: Double? = nil, complete: Bool = true) -> ReplicaScaler.Input {
        .init(totalLag: lag, isComplete: complete && lag != nil, failure: lag == nil ? "broker down" : nil, partitions: 6,
              consumptionRate: rate, currentReplicas: replicas, time: start + .seconds(seconds))
    }

    @Test func scalesOutAtOnce() {
        var scaler = ReplicaScaler(policy: ScalingPolicy(lagThreshold: 50_000))
        #expect(scaler.decide(input(lag: 0, replicas: 1, at: 0)).replicas == 1)
        #expect(scaler.decide(input(lag: 300_000, replicas: 1, at: 5)).replicas == 6)
    }

    @Test func scalesInOnlyToTheHighestRecommendationOfTheWindow() {
        var scaler = ReplicaScaler(policy: ScalingPolicy(lagThreshold: 1_000, scaleDownStabilization: .seconds(60)))
        #expect(scaler.decide(input(lag: 6_000, replicas: 1, at: 0)).replicas == 6)
        #expect(scaler.decide(input(lag: 2_500, replicas: 6, at: 30)).replicas == 6)
        let holding = scaler.decide(input(lag: 0, replicas: 6, at: 55))
        #expect(holding.replicas == 6)
        #expect(holding.reason == .stabilizing(recommended: 1))
        // At 61 s the 6 has left the window; the 3 (from 30 s) is the highest left.
        #expect(scaler.decide(input(lag: 0, replicas: 6, at: 61)).replicas == 3)
        #expect(scaler.decide(input(lag: 0, replicas: 3, at: 91)).replicas == 1)
    }

    @Test func aFailedOrPartialReadNeverScalesIn() {
        var scaler = ReplicaScaler(policy: ScalingPolicy(lagThreshold: 1_000, scaleDownStabilization: .zero))
        #expect(scaler.decide(input(lag: 6_000, replicas: 1, at: 0)).replicas == 6)
        let failed = scaler.decide(input(lag: nil, replicas: 6, at: 5))
        #expect(failed.replicas == 6)
        #expect(failed.isHoldingOnFailedRead)
        // A partial read of low lag is not taken for low lag either.
        let partial = scaler.decide(input(lag: 10, replicas: 6, at: 10, complete: false))
        #expect(partial.replicas == 6)
        #expect(partial.isHoldingOnFailedRead)
        // Once the read is whole again, it scales in.
        #expect(scaler.decide(input(lag: 10, replicas: 6, at: 15)).replicas == 1)
    }

    @Test func aFailedReadStillBringsAGroupUpToItsMinimum() {
        var scaler = ReplicaScaler(policy: ScalingPolicy(minimumReplicas: 2))
        #expect(scaler.decide(input(lag: nil, replicas: 0, at: 0)).replicas == 2)
    }

    @Test func saturationGuardStopsAddingReplicasThatDoNotRaiseTheRate() {
        let policy = ScalingPolicy(lagThreshold: 1_000, scaleDownStabilization: .zero, saturationSettleTime: .seconds(30))
        var scaler = ReplicaScaler(policy: policy)
        // 2 replicas consume 10,000/s; the lag calls for 4.
        #expect(scaler.decide(input(lag: 4_000, replicas: 2, at: 0, rate: 10_000)).replicas == 4)
        // Before the settle time, more lag does not add more: the effect of the last step is not known yet.
        let waiting = scaler.decide(input(lag: 6_000, replicas: 4, at: 10, rate: 10_200))
        #expect(waiting.replicas == 4)
        #expect(waiting.reason == .awaitingRate(recommended: 6))
        // After it, the rate rose by 3% only: saturated, stay at 4.
        let saturated = scaler.decide(input(lag: 6_000, replicas: 4, at: 31, rate: 10_300))
        #expect(saturated.replicas == 4)
        #expect(saturated.isSaturated)
        #expect(scaler.decide(input(lag: 8_000, replicas: 4, at: 36, rate: 10_300)).isSaturated)
        // Once the lag no longer calls for more, saturation clears and scale-in works as usual.
        let drained = scaler.decide(input(lag: 0, replicas: 4, at: 60, rate: 10_000))
        #expect(!drained.isSaturated)
        #expect(drained.replicas == 1)
    }

    @Test func aScaleOutThatRaisedTheRateAllowsTheNext() {
        var scaler = ReplicaScaler(policy: ScalingPolicy(lagThreshold: 1_000, saturationSettleTime: .seconds(30)))
        #expect(scaler.decide(input(lag: 4_000, replicas: 2, at: 0, rate: 10_000)).replicas == 4)
        let next = scaler.decide(input(lag: 6_000, replicas: 4, at: 31, rate: 19_000))
        #expect(next.replicas == 6)
        #expect(!next.isSaturated)
    }

    @Test func scalingOutFromAnIdleGroupIsNotHeldForItsRate() {
        var scaler = ReplicaScaler(policy: ScalingPolicy(lagThreshold: 50_000))
        #expect(scaler.decide(input(lag: 0, replicas: 0, at: 0)).replicas == 1)
        #expect(scaler.decide(input(lag: 120_000, replicas: 1, at: 5, rate: 0)).replicas == 3)
        #expect(scaler.decide(input(lag: 300_000, replicas: 3, at: 10, rate: 0)).replicas == 6)
    }
}
