/// A token bucket: holds up to `burst` tokens, refills at `rate` tokens per second, and each request
/// takes one. Pure: time is passed in, so it is tested without clocks.
public struct TokenBucket: Sendable, Hashable {
    /// What a request may do.
    public enum Decision: Sendable, Hashable {
        case allowed
        /// No token now; one will be there after `retryAfter`.
        case limited(retryAfter: Duration)
    }

    /// Tokens added per second.
    public let rate: Double
    /// The most tokens the bucket holds.
    public let burst: Double
    public private(set) var tokens: Double
    public private(set) var updatedAt: ContinuousClock.Instant

    /// A full bucket at `now`.
    public init(rate: Double, burst: Int, now: ContinuousClock.Instant) {
        precondition(rate > 0 && burst > 0, "a token bucket needs a positive rate and burst")
        self.rate = rate
        self.burst = Double(burst)
        self.tokens = Double(burst)
        self.updatedAt = now
    }

    /// Takes a token if there is one at `now`.
    public mutating func take(now: ContinuousClock.Instant) -> Decision {
        refill(now: now)
        if tokens >= 1 {
            tokens -= 1
            return .allowed
        }
        return .limited(retryAfter: .seconds((1 - tokens) / rate))
    }

    /// Whether the bucket has refilled completely by `now`: such a bucket is the same as a new one,
    /// so it may be forgotten.
    public func isFull(now: ContinuousClock.Instant) -> Bool {
        var copy = self
        copy.refill(now: now)
        return copy.tokens >= burst
    }

    private mutating func refill(now: ContinuousClock.Instant) {
        // Instants from before the last update (callers racing) add nothing rather than remove.
        guard now > updatedAt else { return }
        let elapsed = now - updatedAt
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + seconds * rate)
        updatedAt = now
    }
}
