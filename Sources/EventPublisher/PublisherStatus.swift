/// A snapshot of the publisher's state, for health pages, tests and debugging.
public struct PublisherStatus: Sendable, Hashable {
    /// Events accepted and not yet acknowledged or failed (batched plus in flight).
    public var pendingEvents: Int
    /// Bytes (keys, values and headers) of the pending events.
    public var pendingBytes: Int
    /// Pending events still waiting in batches, not yet handed to Kafka.
    public var batchedEvents: Int
    /// The highest `pendingEvents` and `pendingBytes` seen since the publisher started.
    public var peakPendingEvents: Int
    public var peakPendingBytes: Int
    /// Producers waiting for room in the buffer right now.
    public var waitingProducers: Int
    /// Whether a timed flush is scheduled (some batch is waiting for its time limit).
    public var timedFlushScheduled: Bool
    /// How many batches were handed to Kafka, by reason.
    public var flushes: [BatchPolicy.FlushReason: Int]
    public var deliveredEvents: Int
    public var failedEvents: Int
    public var policy: BatchPolicy
    public var capacity: PublisherCapacity
    /// How many times the Kafka producer was replaced (fatally broken, or only timing out).
    public var producerReplacements = 0
}
