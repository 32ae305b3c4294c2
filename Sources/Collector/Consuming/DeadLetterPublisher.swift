internal import Kafka
internal import Logging
internal import Synchronization

/// A record a collector could not store, with the reason, on its way to the dead-letter topic.
struct DeadLetter: Sendable {
    var record: KafkaConsumerRecord
    var reason: String
}

/// Publishes dead letters and waits until Kafka acknowledged every one of them, so that the offsets
/// covering them are stored only once they are safe elsewhere.
///
/// A dead letter keeps the original key, value and headers, and adds `dlq-reason` and where it came from
/// (`dlq-topic`, `dlq-partition`, `dlq-offset`).
final class DeadLetterPublisher: Sendable {
    let topic: String
    private let producer: KafkaProducer
    private let waits: WaitList

    private struct Pending {
        var remaining: Int
        var failure: KafkaError?
        var continuation: CheckedContinuation<Void, any Error>?
    }

    private struct Waits {
        var nextBatch: UInt64 = 1
        var pending: [UInt64: Pending] = [:]
    }

    /// The batches waiting for delivery reports; shared with the producer's report handler.
    private final class WaitList: Sendable {
        private let state = Mutex(Waits())

        func withLock<R: Sendable>(_ body: (inout Waits) -> R) -> R {
            state.withLock { body(&$0) }
        }
    }

    init(topic: String, brokers: String, logger: Logger) throws(KafkaError) {
        self.topic = topic
        let waits = WaitList()
        self.waits = waits
        producer = try KafkaProducer(configuration: .producer(brokers: brokers), logger: logger) { reports in
            Self.deliver(reports, to: waits)
        }
    }

    /// Publishes `letters` and returns once the broker acknowledged all of them.
    ///
    /// - Throws: ``KafkaError`` when any of them was refused or not acknowledged in time; the caller
    ///   publishes them all again (a dead letter may then appear twice, never zero times).
    func publish(_ letters: [DeadLetter]) async throws {
        guard !letters.isEmpty else { return }
        let batch = waits.withLock { waits in
            let batch = waits.nextBatch
            waits.nextBatch += 1
            waits.pending[batch] = Pending(remaining: letters.count)
            return batch
        }
        for (index, letter) in letters.enumerated() {
            do {
                // The batch number in the high bits, so a delivery report finds its batch.
                try producer.produce(Self.record(for: letter, topic: topic), id: batch << 32 | UInt64(index))
            } catch {
                // Not handed to librdkafka, so no report will come for this one or those after it.
                let skipped = letters.count - index
                waits.withLock { waits in
                    waits.pending[batch]?.remaining -= skipped
                    waits.pending[batch]?.failure = error
                }
                break
            }
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let finished = waits.withLock { waits -> Pending? in
                guard let pending = waits.pending[batch] else { return nil }
                if pending.remaining <= 0 {
                    waits.pending[batch] = nil
                    return pending
                }
                waits.pending[batch]?.continuation = continuation
                return nil
            }
            if let finished {
                if let failure = finished.failure { continuation.resume(throwing: failure) } else { continuation.resume() }
            }
        }
    }

    /// Delivers what is pending (waiting up to `timeout`) and stops the producer.
    func close(timeout: Duration = .seconds(10)) async {
        await producer.close(timeout: timeout)
    }

    private static func record(for letter: DeadLetter, topic: String) -> KafkaProducerRecord {
        let original = letter.record
        var headers = original.headers
        headers.append(KafkaHeader(name: "dlq-reason", value: letter.reason))
        headers.append(KafkaHeader(name: "dlq-topic", value: original.topic))
        headers.append(KafkaHeader(name: "dlq-partition", value: String(original.partition)))
        headers.append(KafkaHeader(name: "dlq-offset", value: String(original.offset)))
        return KafkaProducerRecord(topic: topic, key: original.key, value: original.value, headers: headers)
    }

    private static func deliver(_ reports: [KafkaDeliveryReport], to waits: WaitList) {
        var finished: [(CheckedContinuation<Void, any Error>, KafkaError?)] = []
        waits.withLock { waits in
            for report in reports {
                let batch = report.id >> 32
                guard var pending = waits.pending[batch] else { continue }
                pending.remaining -= 1
                if let error = report.error, pending.failure == nil { pending.failure = error }
                if pending.remaining <= 0, let continuation = pending.continuation {
                    waits.pending[batch] = nil
                    finished.append((continuation, pending.failure))
                } else {
                    waits.pending[batch] = pending
                }
            }
        }
        for (continuation, failure) in finished {
            if let failure { continuation.resume(throwing: failure) } else { continuation.resume() }
        }
    }
}
