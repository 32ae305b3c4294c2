internal import Foundation
internal import EventModel
internal import Foundation
internal import Kafka
internal import Logging
internal import Postgres

/// The consuming state of one collector: which partitions it owns and where each must be read from, the
/// batch being filled, and what to do when PostgreSQL or the dead-letter topic fails.
///
/// PostgreSQL's `collector_offsets` decide where a partition is read from: after an assignment, and after
/// any record had to be dropped unread (while the database was down, or before the position was known),
/// the partition is moved to the stored offset before its records are accepted again. The writer skips
/// anything below the stored offsets anyway, so a stale position costs a re-read, never a double count.
struct CollectorLoop {
    /// This member's index in its instance, which is its place in the ``LeaveOrder``.
    private let member: Int
    private let configuration: CollectorConfiguration
    private let consumer: KafkaConsumer
    private let writer: BatchWriter
    private let marks: CompletenessMarks
    private let partitions: EventPartitions
    private let deadLetters: DeadLetterPublisher
    private let rebalances: RebalanceLog
    private let readiness: CollectorReadiness
    private let stop: StopSignal
    private let leaveOrder: LeaveOrder
    private let retry: RetryPolicy
    private let logger: Logger
    private let metrics: CollectorMetrics
    private let format: EventFormat

    /// Partitions assigned to this member.
    private var owned: Set<KafkaTopicPartition> = []
    /// True while the member waits for an assignment: from the subscription, and after losing all its partitions.
    private var joining = true
    /// Owned partitions that must be moved to their stored offset before their records are accepted.
    private var unpositioned: Set<KafkaTopicPartition> = []
    /// The lowest offset dropped unread per unpositioned partition: where to resume when PostgreSQL has
    /// no offset for it yet.
    private var lowestDropped: [KafkaTopicPartition: Int64] = [:]
    /// The offset each partition was last moved to: older records still in flight are stale.
    private var floors: [KafkaTopicPartition: Int64] = [:]
    private var paused: Set<KafkaTopicPartition> = []
    /// True from a failed write until one succeeds: partitions stay paused and records are dropped.
    private var inOutage = false
    private var repositionFailures = 0
    private var nextRepositionAttempt = ContinuousClock.now
    private var nextMaintenance = ContinuousClock.now + .seconds(3_600)
    /// When an empty poll may next mark the owned partitions complete (at most once a second).
    private var nextCompletenessMark = ContinuousClock.now
    private var pending: [KafkaConsumerRecord] = []
    private var batchStarted: ContinuousClock.Instant?
    /// When a graceful shutdown stops retrying the batch in hand.
    private var shutdownDeadline: ContinuousClock.Instant?
    /// When a stopped member leaves even if its group has not formed again.
    private var leaveDeadline: ContinuousClock.Instant?
    /// When the partitions were last revoked, i.e. a rejoin began, and whether an assignment followed.
    private var lastRevocation: ContinuousClock.Instant?
    private var assignedSinceRevocation = false

    init(
        member: Int, configuration: CollectorConfiguration, consumer: KafkaConsumer, writer: BatchWriter, marks: CompletenessMarks,
        partitions: EventPartitions,
        deadLetters: DeadLetterPublisher, rebalances: RebalanceLog, readiness: CollectorReadiness, stop: StopSignal,
        leaveOrder: LeaveOrder, retry: RetryPolicy, logger: Logger
    ) {
        self.member = member
        self.configuration = configuration
        self.consumer = consumer
        self.writer = writer
        self.marks = marks
        self.partitions = partitions
        self.deadLetters = deadLetters
        self.rebalances = rebalances
        self.readiness = readiness
        self.stop = stop
        self.leaveOrder = leaveOrder
        self.retry = retry
        self.logger = logger
        self.metrics = CollectorMetrics(source: configuration.source)
        self.format = EventFormat(source: configuration.source)
    }

    /// Consumes until a graceful shutdown lets this member leave (then writes the batch in hand) or cancellation.
    mutating func run() async throws {
        while !stop.isSet || !readyToLeave() {
            try Task.checkCancellation()
            let wait = batchStarted.map { $0 + configuration.batchWait - .now } ?? configuration.batchWait
            let records = try await consumer.poll(
                maxRecords: max(1, configuration.batchSize - pending.count),
                timeout: max(.milliseconds(1), min(wait, configuration.batchWait))
            )
            applyRebalances()
            accept(records)
            if records.isEmpty {
                await markCaughtUpPartitions()
            }
            if !unpositioned.isEmpty, ContinuousClock.now >= nextRepositionAttempt {
                await reposition()
            }
            if let batchStarted, pending.count >= configuration.batchSize || ContinuousClock.now >= batchStarted + configuration.batchWait {
                try await flush()
            }
            if ContinuousClock.now >= nextMaintenance {
                await maintain()
            }
        }
        if !pending.isEmpty {
            try await flush()
        }
    }

    /// After a graceful stop, whether this member may leave its group now (see ``LeaveOrder``): once the
    /// members of its instance before it have left, the group has formed again without them (it was
    /// revoked after their leave and then assigned), and it is not joining. Until then it consumes and
    /// stores as usual, for at most three session timeouts from its turn.
    private mutating func readyToLeave() -> Bool {
        let turn = leaveOrder.turn(of: member)
        guard turn.reached else { return false }
        let deadline = leaveDeadline ?? .now + configuration.sessionTimeout * 3
        if leaveDeadline == nil {
            leaveDeadline = deadline
            logger.info("leaving the group once it has formed again", metadata: ["collector.joining": "\(joining)"])
        }
        guard ContinuousClock.now < deadline else {
            logger.warning("leaving the group before it formed again", metadata: ["collector.joining": "\(joining)"])
            return true
        }
        guard !joining else { return false }
        guard let previousLeave = turn.previousLeaveStarted else { return true }
        guard let lastRevocation else { return false }
        return lastRevocation > previousLeave && assignedSinceRevocation
    }

    // MARK: Partitions

    private mutating func applyRebalances() {
        for event in rebalances.drain() {
            switch event {
            case .assigned(let assigned):
                joining = false
                assignedSinceRevocation = true
                owned.formUnion(assigned)
                unpositioned.formUnion(assigned)
                for partition in assigned {
                    floors[partition] = nil
                    lowestDropped[partition] = nil
                }
                if inOutage {
                    pause(assigned)
                }
            case .revoked(let revoked):
                let revokedSet = Set(revoked)
                lastRevocation = .now
                assignedSinceRevocation = false
                owned.subtract(revokedSet)
                joining = owned.isEmpty
                unpositioned.subtract(revokedSet)
                paused.subtract(revokedSet)
                for partition in revoked {
                    floors[partition] = nil
                    lowestDropped[partition] = nil
                }
                // Not written yet: the next owner reads them from the stored offsets.
                pending.removeAll { revokedSet.contains($0.topicPartition) }
                if pending.isEmpty { batchStarted = nil }
            }
        }
    }

    private mutating func accept(_ records: [KafkaConsumerRecord]) {
        for record in records {
            let partition = record.topicPartition
            guard owned.contains(partition) else { continue }
            if unpositioned.contains(partition) {
                drop(record)
                continue
            }
            if let floor = floors[partition], record.offset < floor { continue }
            if pending.isEmpty { batchStarted = .now }
            pending.append(record)
        }
    }

    /// Leaves `record` unread: its partition must be positioned again before reading on.
    private mutating func drop(_ record: KafkaConsumerRecord) {
        let partition = record.topicPartition
        guard owned.contains(partition) else { return }
        unpositioned.insert(partition)
        lowestDropped[partition] = min(lowestDropped[partition] ?? record.offset, record.offset)
    }

    /// Moves every unpositioned partition to the offset stored in PostgreSQL (or, without one, to the
    /// lowest record dropped), resuming it first where it was paused.
    private mutating func reposition() async {
        let targets = unpositioned.sorted()
        do {
            var stored = try await writer.storedOffsets(of: targets)
            readiness.setDatabaseReachable(true)
            stored.merge(try await rewindOffsetsAheadOfLog(stored)) { $1 }
            var seeks: [KafkaTopicPartition: Int64] = [:]
            for partition in targets {
                if let offset = stored[partition] ?? lowestDropped[partition] { seeks[partition] = offset }
            }
            // Resume before seeking: resuming may move the fetch position back to the last record handed out.
            let toResume = targets.filter { paused.contains($0) }
            if !toResume.isEmpty {
                try consumer.resume(toResume)
                paused.subtract(toResume)
            }
            if !seeks.isEmpty {
                try await consumer.seek(seeks)
            }
            for partition in targets {
                unpositioned.remove(partition)
                lowestDropped[partition] = nil
                floors[partition] = seeks[partition]
            }
            repositionFailures = 0
            logger.debug("partitions positioned", metadata: ["kafka.offsets": "\(seeks.sorted { $0.key < $1.key })"])
        } catch {
            repositionFailures += 1
            let delay = retry.delay(afterFailures: repositionFailures)
            nextRepositionAttempt = .now + delay
            if error is PostgresError { readiness.setDatabaseReachable(false) }
            pause(targets)
            logger.warning("cannot position partitions yet; retrying", metadata: [
                "error": "\(error)", "kafka.partitions": "\(targets)", "retry.delay": "\(delay)",
            ])
        }
    }

    /// Finds stored offsets past the end of their partition's log, because the topic was recreated or the
    /// broker restarted empty. Seeking there would skip every record the new log gets below that offset,
    /// and the writer would take them for stored ones. Such offsets are moved back in PostgreSQL to the
    /// start of the log (events already stored are still recognised by their ids), logged and counted;
    /// returns the new offsets.
    ///
    /// A stored offset past the high watermark is not enough: the local broker reports the base offset of
    /// the last record batch plus one (one for 30 records sent as one idempotent batch), which the stored
    /// offset passes after every batch. The log is taken for new only when, besides, the group has no
    /// offset committed in Kafka for the partition: the collector commits there after every batch, and a
    /// recreated topic or a broker restarted empty has forgotten those commits.
    private func rewindOffsetsAheadOfLog(_ stored: [KafkaTopicPartition: Int64]) async throws -> [KafkaTopicPartition: Int64] {
        guard !stored.isEmpty else { return [:] }
        let marks = try await consumer.watermarks(Array(stored.keys))
        var rewinds: [KafkaTopicPartition: (log: ClosedRange<Int64>, stored: Int64)] = [:]
        for (partition, offset) in stored {
            if let log = marks[partition], offset > log.upperBound { rewinds[partition] = (log, offset) }
        }
        guard !rewinds.isEmpty else { return [:] }
        for partition in try await consumer.committed(Array(rewinds.keys)).keys { rewinds[partition] = nil }
        guard !rewinds.isEmpty else { return [:] }
        let rewound = try await writer.rewind(rewinds.mapValues(\.log))
        for (partition, (log, offset)) in rewinds.sorted(by: { $0.key < $1.key }) where rewound[partition] != nil {
            metrics.offsetsAheadOfLog.increment()
            logger.error("stored offset past the end of the log (topic recreated, broker restarted empty, or log truncated); reading the partition from the start of its log", metadata: [
                "kafka.partition": "\(partition)", "collector.stored_offset": "\(offset)",
                "kafka.log_start": "\(log.lowerBound)", "kafka.log_end": "\(log.upperBound)",
            ])
        }
        return rewound
    }

    // MARK: Batches

    /// Decodes the batch in hand, dead-letters what cannot be stored, stores the rest with the offsets,
    /// and then commits the offsets to Kafka too (for lag tools; PostgreSQL's are the ones that count).
    private mutating func flush() async throws {
        let records = pending
        let started = ContinuousClock.now
        pending = []
        batchStarted = nil
        guard !records.isEmpty else { return }

        var events: [ConsumedEvent] = []
        events.reserveCapacity(records.count)
        var letters: [DeadLetter] = []
        var nextOffsets: [KafkaTopicPartition: Int64] = [:]
        var byPosition: [RecordPosition: KafkaConsumerRecord] = [:]
        for record in records {
            let partition = record.topicPartition
            nextOffsets[partition] = max(nextOffsets[partition] ?? 0, record.offset + 1)
            switch decode(record) {
            case .event(let event):
                events.append(event)
                byPosition[RecordPosition(partition: partition, offset: record.offset)] = record
            case .poison(let letter):
                letters.append(letter)
            }
        }

        // Acknowledged by Kafka before the offsets that cover them are stored: never dropped.
        guard try await publish(letters) else { return abandon(records.count) }
        guard let result = try await store(events, through: nextOffsets, records: byPosition) else {
            return abandon(records.count)
        }
        await commitToKafka(nextOffsets)
        var latest: [KafkaTopicPartition: Date] = [:]
        for record in records where owned.contains(record.topicPartition) {
            guard let milliseconds = record.timestampMilliseconds else { continue }
            let time = Date(timeIntervalSince1970: Double(milliseconds) / 1_000)
            latest[record.topicPartition] = max(latest[record.topicPartition] ?? time, time)
        }
        await mark(latest)

        metrics.processed.increment(by: result.inserted)
        metrics.duplicates.increment(by: result.duplicates)
        metrics.batchSize.record(records.count)
        metrics.batchDuration.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        let storedAt = Date().timeIntervalSince1970 * 1000
        for record in records {
            if let produced = record.timestampMilliseconds { metrics.eventDelay.record(max(0, storedAt - Double(produced)) / 1000) }
        }
        logger.debug("stored a batch", metadata: [
            "batch.records": "\(records.count)", "batch.inserted": "\(result.inserted)",
            "batch.duplicates": "\(result.duplicates)", "batch.already_stored": "\(result.alreadyStored)",
            "batch.dead_lettered": "\(letters.count)",
        ])
        if logger.logLevel <= .trace {
            for event in events {
                logger.trace("event stored", metadata: [
                    "correlation_id": "\(event.correlationID ?? "-")", "event.id": "\(event.event.eventId)",
                    "kafka.partition": "\(event.partition)", "kafka.offset": "\(event.offset)",
                ])
            }
        }
    }

    private enum Decoded {
        case event(ConsumedEvent)
        case poison(DeadLetter)
    }

    private func decode(_ record: KafkaConsumerRecord) -> Decoded {
        let event: EventRecord
        do {
            event = try EventRecord(decoding: record.value, format: format)
        } catch {
            return .poison(DeadLetter(record: record, reason: "undecodable: \(error)"))
        }
        guard event.source == configuration.source else {
            return .poison(DeadLetter(
                record: record,
                reason: "a \(event.source.rawValue) event on the \(configuration.source.rawValue) topic \(record.topic)"
            ))
        }
        return .event(ConsumedEvent(
            event: event, payload: record.value, partition: record.topicPartition, offset: record.offset,
            correlationID: record.header("correlation-id")
        ))
    }

    /// Publishes `letters`, retrying until Kafka acknowledged them all. False when a graceful shutdown
    /// ran out of time first.
    private mutating func publish(_ letters: [DeadLetter]) async throws -> Bool {
        guard !letters.isEmpty else { return true }
        var failures = 0
        while true {
            try Task.checkCancellation()
            do {
                try await deadLetters.publish(letters)
                break
            } catch {
                failures += 1
                guard !shutdownTimedOut() else { return false }
                let delay = retry.delay(afterFailures: failures)
                logger.warning("cannot publish to the dead-letter topic; retrying", metadata: [
                    "error": "\(error)", "kafka.topic": "\(deadLetters.topic)", "retry.delay": "\(delay)",
                ])
                try await idle(for: delay)
            }
        }
        metrics.deadLettered.increment(by: letters.count)
        for letter in letters {
            logger.warning("record dead-lettered", metadata: [
                "correlation_id": "\(letter.record.header("correlation-id") ?? "-")",
                "dlq.reason": "\(letter.reason)",
                "kafka.partition": "\(letter.record.topicPartition)", "kafka.offset": "\(letter.record.offset)",
            ])
        }
        return true
    }

    private enum Attempt {
        case stored(BatchWriteResult)
        case rejected(PostgresError)
        case abandoned
    }

    /// Stores `events` with `nextOffsets`. When PostgreSQL rejects the data, stores the batch in parts
    /// (``BatchBisection``) and dead-letters the events it refuses alone. Nil when a graceful shutdown ran
    /// out of time.
    private mutating func store(
        _ events: [ConsumedEvent],
        through nextOffsets: [KafkaTopicPartition: Int64],
        records: [RecordPosition: KafkaConsumerRecord]
    ) async throws -> BatchWriteResult? {
        switch try await attempt(events, through: nextOffsets) {
        case .stored(let result): return result
        case .abandoned: return nil
        case .rejected(let error):
            logger.warning("PostgreSQL rejected a batch; storing it in parts", metadata: ["error": "\(error)"])
        }
        var total = BatchWriteResult()
        var bisection = BatchBisection(rejectedBatchOf: events.count)
        while let range = bisection.next() {
            let part = Array(events[range])
            switch try await attempt(part, through: Self.nextOffsets(of: part)) {
            case .stored(let result):
                total.inserted += result.inserted
                total.duplicates += result.duplicates
                total.alreadyStored += result.alreadyStored
            case .abandoned:
                return nil
            case .rejected(let error):
                let event = part[0]
                guard bisection.rejected(range),
                      let record = records[RecordPosition(partition: event.partition, offset: event.offset)] else { continue }
                guard try await publish([DeadLetter(record: record, reason: "unstorable: \(error)")]) else { return nil }
            }
        }
        // The offsets past the rejected and dead-lettered records of the batch.
        switch try await attempt([], through: nextOffsets) {
        case .stored: return total
        case .abandoned: return nil
        case .rejected(let error): throw error
        }
    }

    /// The next offset to read of each partition `events` come from.
    private static func nextOffsets(of events: [ConsumedEvent]) -> [KafkaTopicPartition: Int64] {
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for event in events { offsets[event.partition] = max(offsets[event.partition] ?? 0, event.offset + 1) }
        return offsets
    }

    /// One write, retried with backoff while the failure is transient. Meanwhile the partitions are
    /// paused, and the consumer is still polled so that the group keeps this member. A batch that fills
    /// the lock table is `rejected`, so that it is stored in parts.
    private mutating func attempt(_ events: [ConsumedEvent], through nextOffsets: [KafkaTopicPartition: Int64]) async throws -> Attempt {
        var failures = 0
        while true {
            try Task.checkCancellation()
            do {
                let result = try await writer.write(events, through: nextOffsets)
                endOutage()
                return .stored(result)
            } catch let error as PostgresError where StorageFailure(error) == .rejectedData {
                endOutage()
                return .rejected(error)
            } catch let error as PostgresError where StorageFailure(error) == .lockTableFull && events.count > 1 {
                endOutage()
                return .rejected(error)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failures += 1
                beginOutage(error)
                guard !shutdownTimedOut() else { return .abandoned }
                let delay = retry.delay(afterFailures: failures)
                logger.warning("cannot write the batch; retrying", metadata: ["error": "\(error)", "retry.delay": "\(delay)"])
                try await idle(for: delay)
            }
        }
    }

    /// Stops fetching `partitions` (those not paused yet). Should librdkafka refuse, their records are
    /// still dropped as they arrive, which only costs fetching them twice.
    private mutating func pause(_ partitions: [KafkaTopicPartition]) {
        let toPause = partitions.filter { !paused.contains($0) }
        guard !toPause.isEmpty else { return }
        do {
            try consumer.pause(toPause)
            paused.formUnion(toPause)
        } catch {
            logger.warning("cannot pause partitions", metadata: ["kafka.error": "\(error)", "kafka.partitions": "\(toPause)"])
        }
    }

    private mutating func beginOutage(_ error: any Error) {
        guard !inOutage else { return }
        inOutage = true
        readiness.setDatabaseReachable(false)
        logger.error("PostgreSQL unavailable: pausing consumption", metadata: ["error": "\(error)"])
        pause(owned.sorted())
        // Whatever is polled meanwhile is dropped, so every partition is positioned again afterwards.
        unpositioned.formUnion(owned)
    }

    private mutating func endOutage() {
        guard inOutage else { return }
        inOutage = false
        readiness.setDatabaseReachable(true)
        nextRepositionAttempt = .now
        logger.notice("PostgreSQL available again: resuming consumption")
    }

    /// Waits `duration` while polling, so that the group keeps this member; records that arrive are dropped
    /// (their partitions are positioned again before reading on).
    private mutating func idle(for duration: Duration) async throws {
        let deadline = ContinuousClock.now + duration
        repeat {
            let records = try await consumer.poll(maxRecords: 1_000, timeout: max(.milliseconds(1), deadline - .now))
            applyRebalances()
            for record in records { drop(record) }
        } while ContinuousClock.now < deadline
    }

    /// True when a graceful shutdown began more than `shutdownTimeout` ago; starts that clock on first sight.
    private mutating func shutdownTimedOut() -> Bool {
        guard stop.isSet else { return false }
        let deadline = shutdownDeadline ?? (.now + configuration.shutdownTimeout)
        shutdownDeadline = deadline
        return ContinuousClock.now >= deadline
    }

    private func abandon(_ count: Int) {
        logger.warning("shutting down without storing the batch in hand; its partitions are read again by their next owner", metadata: [
            "batch.records": "\(count)",
        ])
    }

    /// After a poll that found nothing, while this member holds no records and no partition is paused or
    /// waiting to be positioned (at most once a second): marks complete through now every owned partition
    /// whose log ends where its stored offset is. An empty poll alone does not say so: a fetch may be on
    /// its way with records appended before it, or a partition's first fetch not yet sent.
    private mutating func markCaughtUpPartitions() async {
        guard !owned.isEmpty, pending.isEmpty, !inOutage, unpositioned.isEmpty, paused.isEmpty,
              ContinuousClock.now >= nextCompletenessMark else { return }
        nextCompletenessMark = .now + .seconds(1)
        do {
            let asOf = Date()
            try await marks.markCaughtUp(storedOffsets: try await writer.storedOffsets(of: owned), asOf: asOf)
        } catch {
            logger.debug("could not mark caught-up partitions complete", metadata: ["error": "\(error)"])
        }
    }

    /// Moves the completeness marks forward; a failure only leaves them behind until the next one, so it
    /// never holds up consuming.
    private func mark(_ partitions: [KafkaTopicPartition: Date]) async {
        guard !partitions.isEmpty else { return }
        do {
            try await marks.mark(partitions)
        } catch {
            logger.debug("could not store completeness marks", metadata: ["error": "\(error)"])
        }
    }

    private func commitToKafka(_ nextOffsets: [KafkaTopicPartition: Int64]) async {
        let offsets = nextOffsets.filter { owned.contains($0.key) }
        do {
            try await consumer.commit(offsets)
        } catch {
            // Only lag tools read these; the offsets stored in PostgreSQL are the ones that count.
            logger.debug("could not commit offsets to Kafka", metadata: ["kafka.error": "\(error)"])
        }
    }

    private mutating func maintain() async {
        nextMaintenance = .now + .seconds(3_600)
        do {
            try await partitions.maintain(
                today: UTCCalendar.today(), ahead: configuration.partitionsAhead, retentionDays: configuration.rawRetentionDays
            )
        } catch {
            logger.warning("raw event partition upkeep failed; trying again in an hour", metadata: ["error": "\(error)"])
        }
    }
}

/// A record's place in the log.
struct RecordPosition: Hashable {
    var partition: KafkaTopicPartition
    var offset: Int64
}

extension KafkaConsumerRecord {
    var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
