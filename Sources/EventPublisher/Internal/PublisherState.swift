import Kafka

/// The publisher's bookkeeping, free of I/O so its batching and capacity rules are unit-tested alone.
///
/// Events go: accepted (capacity reserved) -> batched per topic -> handed to Kafka (in flight) ->
/// completed by a delivery report (capacity released). Methods return what the caller must do next
/// (produce a batch, resume a waiter, deliver outcomes to a sink) outside the lock that guards this state.
struct PublisherState {
    struct Event {
        var id: UInt64
        var record: KafkaProducerRecord
        var bytes: Int
        var enqueuedAt: ContinuousClock.Instant
        var sink: any DeliverySink
        /// The event's place in the set its sink awaits.
        var index: Int
    }

    /// A batch to hand to Kafka now.
    struct ReadyBatch {
        var topic: String
        var events: [Event]
        var reason: BatchPolicy.FlushReason
    }

    /// A producer waiting for room; resumed once its room is reserved.
    struct Waiter {
        var id: UInt64
        var events: Int
        var bytes: Int
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    /// A ``Publisher/flush()`` caller waiting for every event accepted before it to complete.
    struct DrainWaiter {
        var threshold: UInt64
        var remaining: Int
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct Batch {
        var events: [Event] = []
        var oldest: ContinuousClock.Instant
    }

    private struct InFlight {
        var topic: String
        var bytes: Int
        var enqueuedAt: ContinuousClock.Instant
        var sink: any DeliverySink
        var index: Int
    }

    let policy: BatchPolicy
    let capacity: PublisherCapacity
    private(set) var isShuttingDown = false
    private var batches: [String: Batch] = [:]
    private var inFlight = SequentialIDTable<InFlight>()
    /// Events handed to Kafka, in that order, for ``takeOverdue(handedOverBefore:)``; entries of events
    /// that completed meanwhile are dropped from the front, or all at once when they outnumber those in flight.
    private var handedOver: [(id: UInt64, at: ContinuousClock.Instant)] = []
    private var handedOverStart = 0
    private var nextID: UInt64 = 1
    private var usedEvents = 0
    private var usedBytes = 0
    private var peakEvents = 0
    private var peakBytes = 0
    private var waiters: [Waiter] = []
    private var drainWaiters: [DrainWaiter] = []
    private var flushCounts: [BatchPolicy.FlushReason: Int] = [:]
    private var delivered = 0
    private var failed = 0

    init(policy: BatchPolicy, capacity: PublisherCapacity) {
        self.policy = policy
        self.capacity = capacity
    }

    // MARK: Capacity

    /// Reserves room for `events` events of `bytes` bytes if it is free and nobody waits before us.
    /// A request larger than the whole capacity is admitted alone, so it cannot wait forever.
    mutating func reserve(events: Int, bytes: Int) -> Bool {
        guard waiters.isEmpty, fits(events: events, bytes: bytes) else { return false }
        take(events: events, bytes: bytes)
        return true
    }

    mutating func addWaiter(_ waiter: Waiter) {
        waiters.append(waiter)
    }

    /// Removes a waiter that gave up (cancellation); nil when it was already resumed.
    mutating func removeWaiter(id: UInt64) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index)
    }

    /// When the first waiter's patience runs out; waiters queue in order, so deadlines only grow.
    var nextWaiterDeadline: ContinuousClock.Instant? { waiters.first?.deadline }

    /// Removes the waiters whose deadline has passed at `now`.
    mutating func takeExpiredWaiters(now: ContinuousClock.Instant) -> [Waiter] {
        let expired = waiters.prefix { $0.deadline <= now }
        waiters.removeFirst(expired.count)
        return Array(expired)
    }

    /// Gives back room reserved for events that will not be appended (the publisher shut down meanwhile).
    mutating func cancelReservation(events: Int, bytes: Int) -> [Waiter] {
        release(events: events, bytes: bytes)
    }

    mutating func makeWaiterID() -> UInt64 {
        defer { nextID += 1 }
        return nextID
    }

    private func fits(events: Int, bytes: Int) -> Bool {
        if usedEvents == 0 { return true }
        return usedEvents + events <= capacity.maximumEvents && usedBytes + bytes <= capacity.maximumBytes
    }

    private mutating func take(events: Int, bytes: Int) {
        usedEvents += events
        usedBytes += bytes
        peakEvents = max(peakEvents, usedEvents)
        peakBytes = max(peakBytes, usedBytes)
    }

    /// Gives back room and returns the waiters (first come, first served) that now fit.
    private mutating func release(events: Int, bytes: Int) -> [Waiter] {
        usedEvents -= events
        usedBytes -= bytes
        var resumed: [Waiter] = []
        while let first = waiters.first, fits(events: first.events, bytes: first.bytes) {
            waiters.removeFirst()
            take(events: first.events, bytes: first.bytes)
            resumed.append(first)
        }
        return resumed
    }

    // MARK: Batching

    /// Adds events whose room is already reserved, the `i`th of `records` as `sink`'s event
    /// `firstIndex + i`; returns the batches that reached the size limit.
    mutating func append(
        _ records: [(record: KafkaProducerRecord, bytes: Int)],
        now: ContinuousClock.Instant,
        sink: any DeliverySink,
        firstIndex: Int
    ) -> (startedBatch: Bool, ready: [ReadyBatch]) {
        var startedBatch = false
        var ready: [ReadyBatch] = []
        // One dictionary access per run of records of one topic, not per record (bulk requests are one run).
        for (topic, range) in Self.topicRuns(of: records) {
            var batch = batches.removeValue(forKey: topic)
            for index in range {
                if batch == nil {
                    batch = Batch(oldest: now)
                    startedBatch = true
                }
                batch!.events.append(event(records[index], now: now, sink: sink, index: firstIndex + index))
                if batch!.events.count >= policy.size {
                    ready += handOver(batch!.events, topic: topic, reason: .size, now: now)
                    batch = nil
                }
            }
            batches[topic] = batch
        }
        return (startedBatch, ready)
    }

    /// Events of a caller that has handed over everything it has and waits for them: they go to Kafka at
    /// once, each topic's after the events already batched for it (taken along, so a topic keeps its order).
    mutating func handOver(
        _ records: [(record: KafkaProducerRecord, bytes: Int)],
        now: ContinuousClock.Instant,
        sink: any DeliverySink,
        firstIndex: Int
    ) -> [ReadyBatch] {
        var ready: [ReadyBatch] = []
        for (topic, range) in Self.topicRuns(of: records) {
            var events = batches.removeValue(forKey: topic)?.events ?? []
            events.reserveCapacity(events.count + range.count)
            for index in range {
                events.append(event(records[index], now: now, sink: sink, index: firstIndex + index))
            }
            ready += handOver(events, topic: topic, reason: .forced, now: now)
        }
        return ready
    }

    private mutating func event(
        _ entry: (record: KafkaProducerRecord, bytes: Int), now: ContinuousClock.Instant, sink: any DeliverySink, index: Int
    ) -> Event {
        defer { nextID += 1 }
        return Event(id: nextID, record: entry.record, bytes: entry.bytes, enqueuedAt: now, sink: sink, index: index)
    }

    /// Consecutive records of one topic, as (topic, index range).
    private static func topicRuns(of records: [(record: KafkaProducerRecord, bytes: Int)]) -> [(String, Range<Int>)] {
        var runs: [(String, Range<Int>)] = []
        var start = 0
        while start < records.count {
            let topic = records[start].record.topic
            var end = start + 1
            while end < records.count, records[end].record.topic == topic { end += 1 }
            runs.append((topic, start..<end))
            start = end
        }
        return runs
    }

    /// The instant the oldest batch reaches its time limit, if any batch is waiting.
    var nextDeadline: ContinuousClock.Instant? {
        batches.values.map(\.oldest).min().map { $0 + policy.timeout }
    }

    /// Batches whose oldest event has waited the time limit at `now`.
    mutating func takeDue(now: ContinuousClock.Instant) -> [ReadyBatch] {
        let due = batches.filter { $0.value.oldest + policy.timeout <= now }.map(\.key)
        return due.flatMap { take(topic: $0, reason: .time, now: now) }
    }

    /// Every waiting batch, for a forced flush or shutdown.
    mutating func takeAll(reason: BatchPolicy.FlushReason, now: ContinuousClock.Instant) -> [ReadyBatch] {
        batches.keys.sorted().flatMap { take(topic: $0, reason: reason, now: now) }
    }

    private mutating func take(topic: String, reason: BatchPolicy.FlushReason, now: ContinuousClock.Instant) -> [ReadyBatch] {
        guard let batch = batches.removeValue(forKey: topic) else { return [] }
        return handOver(batch.events, topic: topic, reason: reason, now: now)
    }

    /// Marks events in flight (handed to Kafka at `now`) and splits them so no piece exceeds the maximum size.
    private mutating func handOver(_ events: [Event], topic: String, reason: BatchPolicy.FlushReason, now: ContinuousClock.Instant) -> [ReadyBatch] {
        guard !events.isEmpty else { return [] }
        for event in events {
            inFlight.insert(InFlight(topic: topic, bytes: event.bytes, enqueuedAt: event.enqueuedAt, sink: event.sink, index: event.index), id: event.id)
            handedOver.append((event.id, now))
        }
        let pieces = events.count <= policy.maximumSize
            ? [ReadyBatch(topic: topic, events: events, reason: reason)]
            : stride(from: 0, to: events.count, by: policy.maximumSize).map {
                ReadyBatch(topic: topic, events: Array(events[$0..<min($0 + policy.maximumSize, events.count)]), reason: reason)
            }
        flushCounts[reason, default: 0] += pieces.count
        return pieces
    }

    // MARK: Completion

    /// What a completed event needs: its sink and result, and timing for metrics.
    struct Completed {
        var sink: any DeliverySink
        var index: Int
        var result: Result<DeliveryReceipt, PublisherError>
        var topic: String
        var enqueuedAt: ContinuousClock.Instant
    }

    typealias CompletionOutcome = (completed: [Completed], resumedWaiters: [Waiter], drained: [CheckedContinuation<Void, Never>])

    /// Applies delivery outcomes (from Kafka's reports, or a refused produce); ids not in flight are ignored.
    mutating func complete(_ outcomes: [(id: UInt64, result: Result<DeliveryReceipt, PublisherError>)]) -> CompletionOutcome {
        var completed: [Completed] = []
        completed.reserveCapacity(outcomes.count)
        var releasedBytes = 0
        var drained: [CheckedContinuation<Void, Never>] = []
        for outcome in outcomes {
            guard let event = inFlight.remove(outcome.id) else { continue }
            releasedBytes += event.bytes
            if case .success = outcome.result { delivered += 1 } else { failed += 1 }
            completed.append(Completed(sink: event.sink, index: event.index, result: outcome.result, topic: event.topic, enqueuedAt: event.enqueuedAt))
            if !drainWaiters.isEmpty {
                drained += countDown(id: outcome.id)
            }
        }
        let resumed = release(events: completed.count, bytes: releasedBytes)
        return (completed, resumed, drained)
    }

    private mutating func countDown(id: UInt64) -> [CheckedContinuation<Void, Never>] {
        var done: [CheckedContinuation<Void, Never>] = []
        drainWaiters = drainWaiters.compactMap { waiter in
            guard id <= waiter.threshold else { return waiter }
            var waiter = waiter
            waiter.remaining -= 1
            if waiter.remaining == 0 {
                done.append(waiter.continuation)
                return nil
            }
            return waiter
        }
        return done
    }

    /// Registers a flush caller; returns false when nothing accepted so far is pending.
    mutating func addDrainWaiter(_ continuation: CheckedContinuation<Void, Never>) -> Bool {
        let threshold = nextID - 1
        let pending = inFlight.ids.count { $0 <= threshold }
            + batches.values.reduce(0) { $0 + $1.events.count { $0.id <= threshold } }
        guard pending > 0 else { return false }
        drainWaiters.append(DrainWaiter(threshold: threshold, remaining: pending, continuation: continuation))
        return true
    }

    // MARK: Shutdown and status

    /// Stops taking events; returns the waiters to fail.
    mutating func beginShutdown() -> [Waiter] {
        isShuttingDown = true
        defer { waiters = [] }
        return waiters
    }

    /// Events handed to Kafka before `cutoff` that still have no outcome, oldest first, with the instant
    /// each was handed over. They stay in flight: the caller completes them.
    mutating func takeOverdue(handedOverBefore cutoff: ContinuousClock.Instant) -> [(id: UInt64, handedOverAt: ContinuousClock.Instant)] {
        if handedOver.count - handedOverStart > 2 * inFlight.count + 1024 {
            handedOver = handedOver[handedOverStart...].filter { inFlight.contains($0.id) }
            handedOverStart = 0
        }
        var overdue: [(id: UInt64, handedOverAt: ContinuousClock.Instant)] = []
        while handedOverStart < handedOver.count {
            let entry = handedOver[handedOverStart]
            if inFlight.contains(entry.id) {
                guard entry.at < cutoff else { break }
                overdue.append((entry.id, entry.at))
            }
            handedOverStart += 1
        }
        if handedOverStart > 1024, handedOverStart * 2 > handedOver.count {
            handedOver.removeFirst(handedOverStart)
            handedOverStart = 0
        }
        return overdue
    }

    /// After the producer closed: fails what never got a delivery report, so no caller waits forever.
    mutating func failAllInFlight() -> [Completed] {
        let ids = inFlight.ids.sorted()
        return complete(ids.map { ($0, .failure(PublisherError.shutDown)) }).completed
    }

    /// Parked timer tasks of the publisher, resumed when there is something to wait for.
    var parkedBatchTimer: CheckedContinuation<ContinuousClock.Instant?, Never>?
    var parkedWaiterTimer: CheckedContinuation<ContinuousClock.Instant?, Never>?

    var pendingEvents: Int { usedEvents }

    func status() -> PublisherStatus {
        PublisherStatus(
            pendingEvents: usedEvents,
            pendingBytes: usedBytes,
            batchedEvents: batches.values.reduce(0) { $0 + $1.events.count },
            peakPendingEvents: peakEvents,
            peakPendingBytes: peakBytes,
            waitingProducers: waiters.count,
            timedFlushScheduled: !batches.isEmpty,
            flushes: flushCounts,
            deliveredEvents: delivered,
            failedEvents: failed,
            policy: policy,
            capacity: capacity
        )
    }
}
