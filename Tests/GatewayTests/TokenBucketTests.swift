@testable import Gateway
import Testing

@Suite struct TokenBucketTests {
    let start = ContinuousClock.now

    @Test func allowsTheBurstThenLimits() {
        var bucket = TokenBucket(rate: 2, burst: 3, now: start)
        #expect(bucket.take(now: start) == .allowed)
        #expect(bucket.take(now: start) == .allowed)
        #expect(bucket.take(now: start) == .allowed)
        #expect(bucket.take(now: start) == .limited(retryAfter: .milliseconds(500)))
    }

    @Test func refillsAtTheRateUpToTheBurst() {
        var bucket = TokenBucket(rate: 2, burst: 2, now: start)
        _ = bucket.take(now: start)
        _ = bucket.take(now: start)
        #expect(bucket.take(now: start + .milliseconds(250)) == .limited(retryAfter: .milliseconds(250)))
        #expect(bucket.take(now: start + .milliseconds(500)) == .allowed)
        #expect(!bucket.isFull(now: start + .milliseconds(500)))
        // A long pause fills the bucket to its burst, not beyond.
        let later = start + .seconds(60)
        #expect(bucket.isFull(now: later))
        #expect(bucket.take(now: later) == .allowed)
        #expect(bucket.take(now: later) == .allowed)
        #expect(bucket.take(now: later) == .limited(retryAfter: .milliseconds(500)))
    }

    @Test func earlierInstantsAddNothing() {
        var bucket = TokenBucket(rate: 1, burst: 1, now: start + .seconds(10))
        #expect(bucket.take(now: start + .seconds(10)) == .allowed)
        #expect(bucket.take(now: start) == .limited(retryAfter: .seconds(1)))
    }

    @Test func limiterKeepsABucketPerClientAndForgetsIdleOnes() {
        let limiter = RateLimiter(GatewayConfiguration.RateLimit(requestsPerSecond: 1, burst: 1, maximumClients: 2))
        #expect(limiter.take(client: "a", now: start) == .allowed)
        #expect(limiter.take(client: "a", now: start) == .limited(retryAfter: .seconds(1)))
        #expect(limiter.take(client: "b", now: start) == .allowed)
        #expect(limiter.take(client: "a", now: start + .seconds(1)) == .allowed)
        #expect(limiter.trackedClients == 2)
        // A third client past the bound: the idle (refilled) bucket of b goes, the busy one of a stays.
        let later = start + .milliseconds(1_500)
        #expect(limiter.take(client: "c", now: later) == .allowed)
        #expect(limiter.trackedClients == 2)
        #expect(limiter.take(client: "a", now: later) == .limited(retryAfter: .milliseconds(500)))
        // Every tracked client busy: start over rather than grow.
        #expect(limiter.take(client: "d", now: later) == .allowed)
        #expect(limiter.trackedClients == 1)
    }

    @Test func retryAfterHeaderIsWholeSecondsRoundedUp() {
        #expect(Duration.milliseconds(1).wholeSecondsRoundedUp == 1)
        #expect(Duration.zero.wholeSecondsRoundedUp == 1)
        #expect(Duration.milliseconds(2_001).wholeSecondsRoundedUp == 3)
        #expect(Duration.seconds(5).wholeSecondsRoundedUp == 5)
    }
}
