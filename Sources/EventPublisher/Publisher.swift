@_exported public import Kafka
public import Logging
public import ServiceLifecycle
import Synchronization

/// Publishes events to Kafka in batches, with bounded memory and an awaitable delivery for every event.
///
/// Events are batched per topic; a batch goes to Kafka when it reaches ``BatchPolicy/size`` events, when
/// its oldest event has waited ``BatchPolicy/timeout``, on ``flush()``, or at shutdown. The publisher is a
/// swift-service-lifecycle `Service`: run it in a `ServiceGroup` (its ``run()`` drives timed flushes), and
/// on graceful shutdown it flushes and waits for every pending delivery before ``run()`` returns.
///
/// ```swift
/// let publisher = try Publisher(configuration: .production(brokers: "kafka:9092"), logger: logger)
/// // in a ServiceGroup with your other services, then:
/// let receipt = try await publisher.publish(KafkaProducerRecord(topic: "events.app", key: key, value: bytes))
/// ```
public final class Publisher: Service, Sendable {
    public let configuration: PublisherConfiguration
    private let logger: Logger
    private let core: Core
    /// The current producer; replaced when librdkafka declares it fatally broken or it stops delivering.
    private let producer: Mutex<ProducerSlot>

    private struct ProducerSlot {
        var current: KafkaProducer
        /// When `current` took over: events handed over since are its own.
        var currentSince = ContinuousClock.now
        /// A producer that hit a fatal error and waits to be replaced by ``runProducerRecovery()``.
        var failed: KafkaProducer?
        var parkedRecovery: CheckedContinuation<KafkaProducer?, Never>?
        var replacements = 0
    }

    /// State shared with the producer's delivery thread.
    private final class Core: Sendable {
        let state: Mutex<PublisherState>
        let metrics = PublisherMetrics()
        /// Since when the producer's delivery reports have all been timeouts; nil after a delivery.
        let timingOutSince = Mutex<ContinuousClock.Instant?>(nil)

        init(configuration: PublisherConfiguration) {
            state = Mutex(PublisherState(policy: configuration.batch, capacity: configuration.capacity))
        }

        /// Records outcomes, then resumes whoever waits on them, outside the lock.
        func complete(_ outcomes: [(id: UInt64, result: Result<DeliveryReceipt, PublisherError>)]) {
            let (completed, resumed, drained) = state.withLock { $0.complete(outcomes) }
            finish(completed)
            for waiter in resumed { waiter.continuation.resume() }
            for waiter in drained { waiter.resume() }
        }

        /// Hands outcomes to their sinks, consecutive ones of one sink in one call.
        func finish(_ completed: [PublisherState.Completed]) {
            guard !completed.isEmpty else { return }
            let now = ContinuousClock.now
            var delivered = TopicTally(), failed = TopicTally()
            var sink: (any DeliverySink)?
            var outcomes: [(index: Int, result: Result<DeliveryReceipt, PublisherError>)] = []
            for event in completed {
                if case .success = event.result {
                    delivered.add(to: event.topic)
                    let latency = now - event.enqueuedAt
                    metrics.deliveryLatency.recordNanoseconds(latency.components.seconds * 1_000_000_000 + latency.components.attoseconds / 1_000_000_000)
                } else {
                    failed.add(to: event.topic)
                }
                if let current = sink, current !== event.sink {
                    current.deliver(outcomes)
                    outcomes.removeAll(keepingCapacity: true)
                }
                sink = event.sink
                outcomes.append((event.index, event.result))
            }
            sink?.deliver(outcomes)
            for (topic, count) in delivered.counts { metrics.completed(delivered: count, failed: 0, topic: topic) }
            for (topic, count) in failed.counts { metrics.completed(delivered: 0, failed: count, topic: topic) }
            metrics.pendingEvents.record(state.withLock { $0.pendingEvents })
        }
    }

    /// Creates the publisher and its Kafka producer. Settings are validated first.
    public init(configuration: PublisherConfiguration, logger: Logger) throws {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        let core = Core(configuration: configuration)
        self.core = core
        self.producer = Mutex(ProducerSlot(current: try Self.makeProducer(configuration, core: core, logger: logger)))
    }

    private static func makeProducer(_ configuration: PublisherConfiguration, core: Core, logger: Logger) throws(KafkaError) -> KafkaProducer {
        try KafkaProducer(configuration: configuration.kafkaConfiguration, logger: logger) { reports in
            let delivered = reports.contains { $0.error == nil }
            let timedOut = reports.contains { $0.error?.code == .messageTimedOut }
            if delivered || timedOut {
                core.timingOutSince.withLock { since in since = delivered ? nil : since ?? .now }
            }
            core.complete(reports.map { report in
                let result: Result<DeliveryReceipt, PublisherError> = if let error = report.error {
                    .failure(.deliveryFailed(error))
                } else {
                    .success(DeliveryReceipt(topic: report.topic, partition: report.partition, offset: report.offset))
                }
                return (report.id, result)
            })
        }
    }

    // MARK: Publishing

    /// Publishes one record and returns when Kafka has acknowledged it.
    ///
    /// - Throws: ``PublisherError`` `bufferFull` when there was no room within the enqueue timeout,
    ///   `deliveryFailed` when Kafka did not acknowledge it within the delivery timeout, `shutDown`.
    public func publish(_ record: KafkaProducerRecord) async throws(PublisherError) -> DeliveryReceipt {
        try await publishAll([record])[0].get()
    }

    /// Publishes records and returns when Kafka has acknowledged or refused each one, with one result
    /// per record in order. Cheaper than many ``publish(_:)`` calls: one wait for the whole set.
    ///
    /// The caller waits and has nothing more to add, so its records go to Kafka at once (a `forced`
    /// flush, taking along what was batched for their topics before them) rather than at the batch
    /// timeout; librdkafka's own `linger.ms` still gathers concurrent callers' records into one produce
    /// request. ``enqueue(_:onDelivery:)`` keeps the size and time batching for services that publish
    /// continuously.
    ///
    /// - Throws: ``PublisherError`` `bufferFull` or `shutDown` when not all records could be accepted;
    ///   records accepted before that are still delivered.
    public func publishAll(_ records: [KafkaProducerRecord]) async throws(PublisherError) -> [Result<DeliveryReceipt, PublisherError>] {
        guard !records.isEmpty else { return [] }
        let group = DeliveryGroup(count: records.count)
        try await enqueue(records, to: group, handingOver: true)
        return await group.results()
    }

    /// Accepts a record without waiting for its delivery; `onDelivery` is called exactly once with the
    /// outcome, on the publisher's delivery thread (keep it short). Waits only when the buffer is full.
    public func enqueue(
        _ record: KafkaProducerRecord,
        onDelivery: @escaping @Sendable (Result<DeliveryReceipt, PublisherError>) -> Void
    ) async throws(PublisherError) {
        try await enqueue([record], to: DeliveryCallback(onDelivery), handingOver: false)
    }

    /// Hands every waiting batch to Kafka now and returns when every event accepted before the call
    /// has been acknowledged or has failed.
    public func flush() async {
        produce(core.state.withLock { $0.takeAll(reason: .forced, now: .now) })
        await withCheckedContinuation { continuation in
            if !core.state.withLock({ $0.addDrainWaiter(continuation) }) { continuation.resume() }
        }
    }

    /// Whether Kafka takes records without delay: false while a new producer (at start, or after a
    /// replacement) waits for its producer id, when whatever is published waits with it (about half a
    /// second). For readiness checks: publishing meanwhile is safe, only slower.
    public var isReady: Bool { !producer.withLock { $0.current.isAwaitingProducerID } }

    /// The publisher's current state and counters.
    public var status: PublisherStatus {
        var status = core.state.withLock { $0.status() }
        status.producerReplacements = producer.withLock { $0.replacements }
        return status
    }

    // MARK: Service

    /// Drives timed flushes and buffer timeouts until graceful shutdown or cancellation, then flushes,
    /// waits for every pending delivery (up to the shutdown timeout) and closes the producer.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.runBatchTimer() }
                group.addTask { await self.runWaiterTimer() }
                group.addTask { await self.runProducerRecovery() }
                group.addTask { await self.runDeliveryWatchdog() }
            }
        }
        await shutDown()
    }

    private func shutDown() async {
        let (waiters, batches) = core.state.withLock { state in (state.beginShutdown(), state.takeAll(reason: .shutdown, now: .now)) }
        for waiter in waiters { waiter.continuation.resume(throwing: PublisherError.shutDown) }
        let pending = core.state.withLock { $0.pendingEvents }
        logger.info("publisher shutting down", metadata: ["publisher.pending": "\(pending)"])
        produce(batches)
        await producer.withLock { $0.current }.close(timeout: configuration.shutdownTimeout)
        let abandoned = core.state.withLock { $0.failAllInFlight() }
        if !abandoned.isEmpty {
            logger.error("events not acknowledged before shutdown", metadata: ["publisher.failed": "\(abandoned.count)"])
        }
        core.finish(abandoned)
        logger.info("publisher stopped", metadata: ["publisher.delivered": "\(status.deliveredEvents)"])
    }

    // MARK: Internals

    /// Accepts `records` in chunks of at most the maximum batch size, waiting for room as needed; batched,
    /// or, `handingOver`, given to Kafka chunk by chunk. (Internal, not private: tests batch several
    /// records in one call, which the public API does only by handing them over.)
    func enqueue(_ records: [KafkaProducerRecord], to sink: any DeliverySink, handingOver: Bool) async throws(PublisherError) {
        let chunkSize = configuration.batch.maximumSize
        var start = 0
        while start < records.count {
            let end = min(start + chunkSize, records.count)
            let chunk = records[start..<end].map { (record: $0, bytes: $0.byteCount) }
            let bytes = chunk.reduce(0) { $0 + $1.bytes }
            let offset = start
            let add = { (state: inout PublisherState) -> (startedBatch: Bool, ready: [PublisherState.ReadyBatch]) in
                handingOver
                    ? (false, state.handOver(chunk, now: .now, sink: sink, firstIndex: offset))
                    : state.append(chunk, now: .now, sink: sink, firstIndex: offset)
            }
            let appended: (startedBatch: Bool, ready: [PublisherState.ReadyBatch])? = try core.state.withLock { state throws(PublisherError) in
                guard !state.isShuttingDown else { throw .shutDown }
                guard state.reserve(events: chunk.count, bytes: bytes) else { return nil }
                return add(&state)
            }
            if let appended {
                accepted(chunk, appended)
            } else {
                try await waitForRoom(events: chunk.count, bytes: bytes)
                let appended: (startedBatch: Bool, ready: [PublisherState.ReadyBatch])? = core.state.withLock { state in
                    guard !state.isShuttingDown else { return nil }
                    return add(&state)
                }
                guard let appended else {
                    let resumed = core.state.withLock { $0.cancelReservation(events: chunk.count, bytes: bytes) }
                    for waiter in resumed { waiter.continuation.resume() }
                    throw .shutDown
                }
                accepted(chunk, appended)
            }
            start = end
        }
    }

    private func accepted(_ chunk: [(record: KafkaProducerRecord, bytes: Int)], _ appended: (startedBatch: Bool, ready: [PublisherState.ReadyBatch])) {
        var enqueued = TopicTally()
        for entry in chunk { enqueued.add(to: entry.record.topic) }
        for (topic, count) in enqueued.counts { core.metrics.enqueued(count, topic: topic) }
        if appended.startedBatch {
            // Wake the batch timer if it is parked with nothing to wait for.
            let parked = core.state.withLock { state -> (CheckedContinuation<ContinuousClock.Instant?, Never>, ContinuousClock.Instant?)? in
                guard let parked = state.parkedBatchTimer else { return nil }
                state.parkedBatchTimer = nil
                return (parked, state.nextDeadline)
            }
            if let (continuation, deadline) = parked { continuation.resume(returning: deadline) }
        }
        // The pending-events gauge is updated with each batch of delivery reports, not per event.
        produce(appended.ready)
    }

    /// Hands batches to librdkafka. A record it refuses at once fails with that error.
    private func produce(_ batches: [PublisherState.ReadyBatch]) {
        guard !batches.isEmpty else { return }
        var producer = self.producer.withLock { $0.current }
        // librdkafka sometimes never recovers an idempotent producer whose broker restarted (its records
        // only ever time out): one whose reports were all timeouts for two delivery timeouts is replaced.
        // Against a broker that is really down the new one fails the same way, and nothing is lost.
        let stalled = core.timingOutSince.withLock { since in
            guard let start = since, ContinuousClock.now - start >= configuration.deliveryTimeout * 2 else { return false }
            since = nil
            return true
        }
        if stalled { requestReplacement(of: producer, reason: "only delivery timeouts for \(configuration.deliveryTimeout * 2)") }
        for batch in batches {
            core.metrics.flushed(batch.events.count, reason: batch.reason)
            var refused: [(id: UInt64, result: Result<DeliveryReceipt, PublisherError>)] = []
            var lastError: KafkaError?
            for event in batch.events {
                do {
                    try produce(event.record, id: event.id, on: &producer)
                } catch {
                    refused.append((event.id, .failure(.deliveryFailed(error))))
                    lastError = error
                }
            }
            if let lastError {
                logger.warning("Kafka refused records", metadata: [
                    "publisher.topic": "\(batch.topic)", "publisher.refused": "\(refused.count)", "kafka.error": "\(lastError)",
                ])
                if lastError.code == .fatal { requestReplacement(of: producer, reason: "fatal error") }
                core.complete(refused)
            }
        }
    }

    /// Hands one record to `producer`, or, when that one was replaced (and closed) since it was taken,
    /// to its successor, which then takes the rest of the batch.
    private func produce(_ record: KafkaProducerRecord, id: UInt64, on producer: inout KafkaProducer) throws(KafkaError) {
        do {
            try producer.produce(record, id: id)
        } catch {
            let current = self.producer.withLock { $0.current }
            guard error.code == .closed, current !== producer else { throw error }
            producer = current
            try producer.produce(record, id: id)
        }
    }

    /// Asks ``runProducerRecovery()`` to replace a producer that librdkafka declared fatally broken or
    /// that stopped delivering.
    private func requestReplacement(of failed: KafkaProducer, reason: String) {
        let (requested, parked) = producer.withLock { slot -> (Bool, CheckedContinuation<KafkaProducer?, Never>?) in
            guard slot.current === failed, slot.failed == nil else { return (false, nil) }
            slot.failed = failed
            slot.replacements += 1
            defer { slot.parkedRecovery = nil }
            return (true, slot.parkedRecovery)
        }
        guard requested else { return }
        logger.error("replacing the Kafka producer", metadata: [
            "publisher.reason": "\(reason)", "kafka.error": "\(failed.fatalError.map { "\($0)" } ?? "none")",
        ])
        parked?.resume(returning: failed)
    }

    /// Replaces failed producers. An idempotent producer whose broker lost its state (e.g. a broker
    /// restarted without its log) cannot continue: a new producer, with a new producer id, can.
    /// The old one's pending records fail (their publishers see the error and may retry).
    private func runProducerRecovery() async {
        while !Task.isCancelled {
            let failed: KafkaProducer? = await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let ready = producer.withLock { slot -> KafkaProducer?? in
                        if Task.isCancelled { return .some(nil) }
                        if let failed = slot.failed { return .some(failed) }
                        slot.parkedRecovery = continuation
                        return .none
                    }
                    if let ready { continuation.resume(returning: ready) }
                }
            } onCancel: {
                producer.withLock { slot in defer { slot.parkedRecovery = nil }; return slot.parkedRecovery }?.resume(returning: nil)
            }
            guard let failed else { return }
            do {
                let fresh = try Self.makeProducer(configuration, core: core, logger: logger)
                producer.withLock { slot in
                    slot.current = fresh
                    slot.currentSince = .now
                    slot.failed = nil
                }
            } catch {
                logger.error("cannot create a new Kafka producer; retrying", metadata: ["kafka.error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            failed.purge()
            await failed.close(timeout: .seconds(1))
        }
    }

    /// How long after its delivery timeout an event without a delivery report fails anyway.
    static let deliveryReportGrace: Duration = .seconds(5)

    /// librdkafka reports every record within its message timeout, except when it does not: an
    /// idempotent producer whose broker was killed kept records unreported for minutes while it retried
    /// for a producer id, and the requests waiting on them with it. Every second, events still without a
    /// report ``deliveryReportGrace`` after their delivery timeout fail here (their callers may publish
    /// them again; the collectors drop the duplicate if Kafka had them after all), and a current producer
    /// that held one is replaced.
    private func runDeliveryWatchdog() async {
        let limit = configuration.deliveryTimeout + Self.deliveryReportGrace
        let error = PublisherError.deliveryFailed(KafkaError(code: .messageTimedOut, message: "no delivery report from Kafka within \(limit)"))
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(1))
            } catch {
                return
            }
            let overdue = core.state.withLock { $0.takeOverdue(handedOverBefore: .now - limit) }
            guard let newest = overdue.last else { continue }
            logger.error("events without a delivery report", metadata: [
                "publisher.failed": "\(overdue.count)", "publisher.limit": "\(limit)",
            ])
            core.complete(overdue.map { ($0.id, .failure(error)) })
            let (current, since) = producer.withLock { ($0.current, $0.currentSince) }
            if newest.handedOverAt >= since {
                requestReplacement(of: current, reason: "no delivery report within \(limit)")
            }
        }
    }

    /// Waits until room for the events is reserved, the enqueue timeout passes, or the task is cancelled.
    private func waitForRoom(events: Int, bytes: Int) async throws(PublisherError) {
        let deadline = ContinuousClock.now + configuration.enqueueTimeout
        let id = core.state.withLock { $0.makeWaiterID() }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    enum Admission { case admitted, waiting(wakeTimer: CheckedContinuation<ContinuousClock.Instant?, Never>?), refused(any Error) }
                    let admission = core.state.withLock { state -> Admission in
                        if state.isShuttingDown { return .refused(PublisherError.shutDown) }
                        if Task.isCancelled { return .refused(CancellationError()) }
                        if state.reserve(events: events, bytes: bytes) { return .admitted }
                        state.addWaiter(.init(id: id, events: events, bytes: bytes, deadline: deadline, continuation: continuation))
                        defer { state.parkedWaiterTimer = nil }
                        return .waiting(wakeTimer: state.parkedWaiterTimer)
                    }
                    switch admission {
                    case .admitted: continuation.resume()
                    case .refused(let error): continuation.resume(throwing: error)
                    case .waiting(let timer): timer?.resume(returning: deadline)
                    }
                }
            } onCancel: {
                core.state.withLock { $0.removeWaiter(id: id) }?.continuation.resume(throwing: CancellationError())
            }
        } catch let error as PublisherError {
            throw error
        } catch {
            throw PublisherError(code: .bufferFull, message: "cancelled while waiting for room in the publisher buffer")
        }
    }

    /// Flushes batches whose time limit passed; parks while no batch waits.
    private func runBatchTimer() async {
        await runTimer(
            next: { $0.nextDeadline },
            park: { $0.parkedBatchTimer = $1 },
            unpark: { state in defer { state.parkedBatchTimer = nil }; return state.parkedBatchTimer },
            fire: { now in self.produce(self.core.state.withLock { $0.takeDue(now: now) }) }
        )
    }

    /// Fails producers that waited for room longer than the enqueue timeout.
    private func runWaiterTimer() async {
        await runTimer(
            next: { $0.nextWaiterDeadline },
            park: { $0.parkedWaiterTimer = $1 },
            unpark: { state in defer { state.parkedWaiterTimer = nil }; return state.parkedWaiterTimer },
            fire: { now in
                let (expired, snapshot) = self.core.state.withLock { ($0.takeExpiredWaiters(now: now), $0.status()) }
                for waiter in expired {
                    waiter.continuation.resume(throwing: PublisherError.bufferFull(
                        self.configuration.enqueueTimeout, events: snapshot.pendingEvents, bytes: snapshot.pendingBytes))
                }
            }
        )
    }

    /// Sleeps until the next deadline and fires, over and over; with no deadline it parks until woken.
    /// Deadlines of one kind only grow (they are arrival time plus a constant), so a sleep never needs
    /// shortening: a parked timer is the only one that must be woken. A wake-up may carry no deadline
    /// (the batch that woke it reached its size at once and went): the timer looks again, and only
    /// cancellation ends it.
    private func runTimer(
        next: @escaping @Sendable (inout PublisherState) -> ContinuousClock.Instant?,
        park: @escaping @Sendable (inout PublisherState, CheckedContinuation<ContinuousClock.Instant?, Never>) -> Void,
        unpark: @escaping @Sendable (inout PublisherState) -> CheckedContinuation<ContinuousClock.Instant?, Never>?,
        fire: (ContinuousClock.Instant) -> Void
    ) async {
        let state = core
        while !Task.isCancelled {
            let deadline = await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<ContinuousClock.Instant?, Never>) in
                    let now: ContinuousClock.Instant?? = state.state.withLock { value in
                        if Task.isCancelled { return .some(nil) }
                        if let deadline = next(&value) { return .some(deadline) }
                        park(&value, continuation)
                        return .none
                    }
                    if let now { continuation.resume(returning: now) }
                }
            } onCancel: {
                state.state.withLock { unpark(&$0) }?.resume(returning: nil)
            }
            guard let deadline else { continue }
            do {
                try await Task.sleep(until: deadline, clock: .continuous)
            } catch {
                return
            }
            fire(.now)
        }
    }
}

extension KafkaProducerRecord {
    /// What the record occupies in the publisher's buffer.
    var byteCount: Int {
        value.count + (key?.count ?? 0) + headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.count } + 64
    }
}
