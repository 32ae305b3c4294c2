import Metrics
import Synchronization

/// Bounds the memory that request bodies being read and parsed hold at once, over all connections.
///
/// A request reserves five times its body's size (the body, and the parse's tape, which the parser keeps
/// within four times the body: ``EventRequest/maximumValues(inBodyOf:)``) before it reads it: at once for an announced `Content-Length`, chunk by chunk otherwise. When the
/// budget cannot take it, the request answers 503 with `Retry-After` rather than waiting with its memory
/// half taken; four 64 MiB bodies at once took the `up` process from 111 MB to 1.8 GB before.
final class BodyMemoryBudget: Sendable {
    /// Bytes a body of `size` bytes reserves.
    static func cost(ofBodyBytes size: Int) -> Int { size.multipliedReportingOverflow(by: 5).overflow ? .max : size * 5 }

    let capacity: Int
    private let reserved = Mutex(0)
    /// Shows what is reserved (`gateway_body_memory_bytes`).
    private let gauge: Gauge?

    init(capacity: Int, gauge: Gauge? = nil) {
        self.capacity = capacity
        self.gauge = gauge
    }

    /// Takes `bytes` from the budget; false (and nothing taken) when they do not fit.
    func reserve(_ bytes: Int) -> Bool {
        let now = reserved.withLock { reserved -> Int? in
            guard bytes <= capacity - reserved else { return nil }
            reserved += bytes
            return reserved
        }
        guard let now else { return false }
        gauge?.record(now)
        return true
    }

    /// Gives back `bytes` taken by ``reserve(_:)``.
    func release(_ bytes: Int) {
        let now = reserved.withLock { reserved in
            reserved -= bytes
            return reserved
        }
        gauge?.record(now)
    }

    /// Bytes reserved now.
    var inUse: Int { reserved.withLock { $0 } }
}

/// What one request has taken from the ``BodyMemoryBudget``, given back when the request ends.
final class BodyReservation: Sendable {
    private let budget: BodyMemoryBudget
    private let taken = Mutex(0)

    init(budget: BodyMemoryBudget) {
        self.budget = budget
    }

    /// Takes `bytes` more; false when the budget cannot hold them.
    func take(_ bytes: Int) -> Bool {
        guard budget.reserve(bytes) else { return false }
        taken.withLock { $0 += bytes }
        return true
    }

    /// Gives back everything taken.
    func releaseAll() {
        budget.release(taken.withLock { taken in
            defer { taken = 0 }
            return taken
        })
    }
}
