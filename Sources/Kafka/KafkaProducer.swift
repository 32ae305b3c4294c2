internal import CRDKafka
public import Logging
import Foundation
import Synchronization

/// A Kafka producer: hands records to librdkafka without blocking and reports each record's fate.
///
/// Delivery reports arrive in batches on a thread the producer owns, through the handler given at
/// creation, each carrying the `id` the record was produced with. Call ``close(timeout:)`` to deliver
/// what is pending and stop that thread.
public final class KafkaProducer: Sendable {
    /// librdkafka's topic handle; thread-safe, destroyed with the producer.
    private struct TopicHandle: @unchecked Sendable { let pointer: OpaquePointer }

    private let handle: KafkaHandle
    private let topics = Mutex<[String: TopicHandle]>([:])
    private let pollLoop: PollLoop
    private let worker = BlockingWorker(label: "kafka.producer.flush")
    /// `produce` calls in progress, plus ``closedFlag`` once ``close(timeout:)`` began. A record handed
    /// over after the polling thread stopped would never get its report (its publisher would wait
    /// forever), so `close` refuses new records first and waits for those being handed over.
    private let producing = Atomic<Int>(0)
    private static let closedFlag = 1 << 62
    private let producerID: ProducerIDWatch

    /// Set from the polling thread when the statistics say the producer has its id.
    private final class ProducerIDWatch: Sendable {
        let pending: Atomic<Bool>
        init(pending: Bool) { self.pending = Atomic(pending) }
    }

    /// - Parameters:
    ///   - configuration: librdkafka properties; ``KafkaConfiguration/producer(brokers:deliveryTimeout:linger:)``
    ///     gives safe defaults.
    ///   - onDelivery: called with every batch of delivery reports, on the producer's polling thread;
    ///     keep it short.
    public init(
        configuration: KafkaConfiguration,
        logger: Logger,
        onDelivery: @escaping @Sendable ([KafkaDeliveryReport]) -> Void
    ) throws(KafkaError) {
        let handle = try KafkaHandle(
            kind: .producer, configuration: configuration, logger: logger, events: RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_STATS)
        self.handle = handle
        let statistics = Int(configuration["statistics.interval.ms"] ?? "0") ?? 0
        let producerID = ProducerIDWatch(pending: configuration["enable.idempotence"] == "true" && statistics > 0)
        self.producerID = producerID
        self.pollLoop = PollLoop(name: "kafka.producer.poll") {
            // Serves librdkafka's main queue, where delivery reports and statistics arrive as events.
            let queue = rd_kafka_queue_get_main(handle.pointer)!
            var topicNames = TopicNames()
            return PollLoop.Iteration(
                poll: { timeout in
                    guard let event = rd_kafka_queue_poll(queue, timeout) else { return false }
                    defer { rd_kafka_event_destroy(event) }
                    let type = rd_kafka_event_type(event)
                    if type == RD_KAFKA_EVENT_STATS, producerID.pending.load(ordering: .relaxed), let json = rd_kafka_event_stats(event),
                       ProducerIDState(statistics: String(cString: json)) == .assigned {
                        producerID.pending.store(false, ordering: .relaxed)
                    }
                    guard type == RD_KAFKA_EVENT_DR else { return true }
                    var reports: [KafkaDeliveryReport] = []
                    reports.reserveCapacity(rd_kafka_event_message_count(event))
                    while let message = rd_kafka_event_message_next(event) {
                        reports.append(KafkaDeliveryReport(message.pointee, topicNames: &topicNames))
                    }
                    // A record delivered proves the id too, before the next statistics say so.
                    if producerID.pending.load(ordering: .relaxed), reports.contains(where: { $0.error == nil }) {
                        producerID.pending.store(false, ordering: .relaxed)
                    }
                    onDelivery(reports)
                    return true
                },
                finish: { rd_kafka_queue_destroy(queue) }
            )
        }
    }

    deinit {
        pollLoop.stopAndWait()
        for topic in topics.withLock({ $0.values }) { rd_kafka_topic_destroy(topic.pointer) }
    }

    /// Hands a record to librdkafka; returns at once. Its delivery report carries `id`.
    ///
    /// - Throws: ``KafkaError`` when librdkafka refuses the record, e.g. `queueFull` when its internal
    ///   queue is at `queue.buffering.max.messages`, or `closed` once ``close(timeout:)`` began.
    public func produce(_ record: KafkaProducerRecord, id: UInt64) throws(KafkaError) {
        guard producing.add(1, ordering: .acquiring).newValue & Self.closedFlag == 0 else {
            producing.subtract(1, ordering: .releasing)
            throw KafkaError.closedClient
        }
        defer { producing.subtract(1, ordering: .releasing) }
        let topic = try topicHandle(record.topic)
        var headers: OpaquePointer?
        if !record.headers.isEmpty {
            headers = rd_kafka_headers_new(record.headers.count)
            for header in record.headers {
                header.value.withUnsafeBytes { value in
                    _ = rd_kafka_header_add(headers, header.name, -1, value.baseAddress, value.count)
                }
            }
        }
        let partition = record.partition ?? RD_KAFKA_PARTITION_UA
        let opaque = UnsafeMutableRawPointer(bitPattern: UInt(id))
        let result = record.value.withUnsafeBytes { value in
            withOptionalBytes(record.key) { key in
                crdkafka_produce(
                    handle.pointer, topic, partition, value.baseAddress, value.count,
                    key?.baseAddress, key?.count ?? 0, headers, opaque
                )
            }
        }
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            if let headers { rd_kafka_headers_destroy(headers) }
            throw KafkaError(result, message: "cannot produce to \(record.topic): \(String(cString: rd_kafka_err2str(result)))")
        }
    }

    /// Whether the idempotent producer still waits for its producer id, holding every record it is handed
    /// until then (about half a second after creation). Read from librdkafka's statistics, so false when
    /// they are off (`statistics.interval.ms` 0) or the producer is not idempotent.
    public var isAwaitingProducerID: Bool { producerID.pending.load(ordering: .relaxed) }

    /// Records librdkafka holds that the broker has not acknowledged yet, plus reports and client errors
    /// not yet served (librdkafka's `outq_len`); for logs, not for deciding whether records are pending.
    public var outstandingCount: Int { Int(rd_kafka_outq_len(handle.pointer)) }

    /// Waits until librdkafka has sent every record and received its acknowledgement or error.
    ///
    /// - Throws: ``KafkaError`` `timedOut` when records are still outstanding after `timeout`.
    public func flush(timeout: Duration) async throws(KafkaError) {
        let handle = self.handle
        try await worker.run { () throws(KafkaError) in
            try KafkaError.check(rd_kafka_flush(handle.pointer, timeout.timeoutMilliseconds), "flush")
        }
    }

    /// Fails every record not yet acknowledged (queued or in flight); each gets a delivery report with
    /// a purge error. For a producer being replaced or abandoned.
    public func purge() {
        let flags = RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT | RD_KAFKA_PURGE_F_NON_BLOCKING
        let error = rd_kafka_purge(handle.pointer, Int32(flags))
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            handle.logger.warning("purging the producer failed", metadata: ["kafka.error": "\(KafkaError(error))"])
        }
    }

    /// Refuses new records, flushes (waiting up to `timeout`), serves the last delivery reports and stops
    /// the polling thread. Records still outstanding after `timeout` are purged, so each still gets a
    /// (failed) report.
    public func close(timeout: Duration) async {
        producing.bitwiseOr(Self.closedFlag, ordering: .acquiringAndReleasing)
        // Calls already past the check finish within microseconds; wait for them to reach librdkafka.
        while producing.load(ordering: .acquiring) != Self.closedFlag {
            await Task.yield()
        }
        do {
            try await flush(timeout: timeout)
        } catch {
            handle.logger.warning("closing the producer with records still outstanding", metadata: [
                "kafka.outstanding": "\(outstandingCount)", "kafka.error": "\(error)",
            ])
            purge()
            try? await flush(timeout: .seconds(1))
        }
        await pollLoop.stop()
    }

    /// librdkafka's fatal error, if the producer has hit one; it then refuses every record.
    public var fatalError: KafkaError? {
        var text = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(handle.pointer, &text, text.count)
        return code == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code, message: decodeErrorText(text))
    }

    private func topicHandle(_ name: String) throws(KafkaError) -> OpaquePointer {
        let handle = self.handle
        let topic = topics.withLock { topics -> TopicHandle? in
            if let topic = topics[name] { return topic }
            guard let pointer = rd_kafka_topic_new(handle.pointer, name, nil) else { return nil }
            topics[name] = TopicHandle(pointer: pointer)
            return TopicHandle(pointer: pointer)
        }
        guard let topic else { throw KafkaError(rd_kafka_last_error(), message: "cannot open topic \(name)") }
        return topic.pointer
    }
}

extension KafkaDeliveryReport {
    init(_ message: rd_kafka_message_t, topicNames: inout TopicNames) {
        let failed = message.err != RD_KAFKA_RESP_ERR_NO_ERROR
        self.init(
            id: UInt64(UInt(bitPattern: message._private)),
            topic: topicNames.name(of: message.rkt),
            partition: message.partition,
            offset: failed || message.offset < 0 ? nil : message.offset,
            error: failed ? KafkaError(message.err) : nil
        )
    }
}

/// Topic names by librdkafka topic handle, for delivery reports. The reports librdkafka hands over together
/// are mostly of one topic, so the last handle is compared first (hashing every report's handle into the
/// dictionary was ~1.5% of the gateway's CPU under bulk load).
struct TopicNames {
    private var last: (handle: OpaquePointer, name: String)?
    private var names: [OpaquePointer: String] = [:]

    mutating func name(of handle: OpaquePointer) -> String {
        if let last, last.handle == handle { return last.name }
        let name: String
        if let known = names[handle] {
            name = known
        } else {
            name = String(cString: rd_kafka_topic_name(handle))
            names[handle] = name
        }
        last = (handle, name)
        return name
    }
}

func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
