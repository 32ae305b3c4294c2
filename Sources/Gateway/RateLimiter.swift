import Synchronization

/// A token bucket per client, with a bounded number of clients.
final class RateLimiter: Sendable {
    private let limit: GatewayConfiguration.RateLimit
    private let buckets = Mutex<[String: TokenBucket]>([:])

    init(_ limit: GatewayConfiguration.RateLimit) {
        self.limit = limit
    }

    /// Takes a token from `client`'s bucket.
    func take(client: String, now: ContinuousClock.Instant = .now) -> TokenBucket.Decision {
        buckets.withLock { buckets in
            if buckets.count >= limit.maximumClients, buckets[client] == nil {
                // Full buckets carry no state worth keeping. If every tracked client is active (a flood
                // of addresses), start over rather than grow without bound.
                buckets = buckets.filter { !$0.value.isFull(now: now) }
                if buckets.count >= limit.maximumClients { buckets.removeAll(keepingCapacity: true) }
            }
            return buckets[client, default: TokenBucket(rate: limit.requestsPerSecond, burst: limit.burst, now: now)]
                .take(now: now)
        }
    }

    var trackedClients: Int { buckets.withLock { $0.count } }
}
