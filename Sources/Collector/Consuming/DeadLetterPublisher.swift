internal import Kafka
internal import Logging
internal import Synchronization

/// A record a collector could not store, with the reason, on its way to the dead-letter topic.
struct DeadLetter: Sendable {
    var record: KafkaConsumerRecord
    var reason: String
    /// Set when Kafka refused the letter with the original value (too large for a record with the
    /// dead-letter headers): it then goes without it, saying where the original lies.
    var omitsValue = false
}

/// Publishes dead letters and waits until Kafka acknowledged every one of them, so that the offsets
/// covering them are stored only once they are safe elsewhere.
///
/// A dead letter keeps the original key, value and headers, and adds `dlq-reason` (at most 1 KiB) and where
/// it came from (`dlq-topic`, `dlq-partition`, `dlq-offset`). A letter Kafka refuses as such (the value
/// near the record limit, plus these headers) is sent again without its value and with
/// `dlq-value-omitted`: retrying it as it was would fail forever and hold the partition.
final class DeadLetterPublisher: Sendable {
    let topic: String
    private let producer: KafkaProducer
    private let waits: WaitList

    private struct Pending {
        var remaining: Int
        var failure: KafkaError?
        /// Letters Kafka refused for what they are, by index.
        var refused: [Int] = []
        var continuation: CheckedContinuation<[Int], any Error>?
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
    /// - Throws: ``KafkaError`` when any of them was not acknowledged in time, or refused even without its
    ///   value; the caller publishes them all again (a dead letter may then appear twice, never zero times).
    func publish(_ letters: [DeadLetter]) async throws {
        let refused = try await publishOnce(letters)
        guard !refused.isEmpty else { return }
        let withoutValues = refused.map { index in
            var letter = letters[index]
            letter.omitsValue = true
            return letter
        }
        if let error = try await publishOnce(withoutValues).first.map({ withoutValues[$0] }) {
            throw KafkaError(code: .invalidRecord, name: "DLQ_REFUSED", message: "Kafka refused a dead letter even without its value: \(error.reason)")
        }
    }

    /// Publishes `letters` once and waits for their reports; returns the indexes of those Kafka refused for
    /// what they are (``KafkaError/refusesRecord``).
    private func publishOnce(_ letters: [DeadLetter]) async throws -> [Int] {
        guard !letters.isEmpty else { return [] }
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
            } catch where error.refusesRecord {
                waits.withLock { waits in
                    waits.pending[batch]?.remaining -= 1
                    waits.pending[batch]?.refused.append(index)
                }
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
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[Int], any Error>) in
            let finished = waits.withLock { waits -> Pending? in
                guard let pending = waits.pending[batch] else { return nil }
                if pending.remaining <= 0 {
                    waits.pending[batch] = nil
                    return pending
                }
                waits.pending[batch]?.continuation = continuation
                return nil
            }
            if let finished { Self.resume(continuation, with: finished) }
        }
    }

    private static func resume(_ continuation: CheckedContinuation<[Int], any Error>, with pending: Pending) {
        if let failure = pending.failure { continuation.resume(throwing: failure) } else { continuation.resume(returning: pending.refused) }
    }

    /// Delivers what is pending (waiting up to `timeout`) and stops the producer.
    func close(timeout: Duration = .seconds(10)) async {
        await producer.close(timeout: timeout)
    }

    private static func record(for letter: DeadLetter, topic: String) -> KafkaProducerRecord {
        let original = letter.record
        var headers = original.headers
        headers.append(KafkaHeader(name: "dlq-reason", value: Self.shortened(letter.reason)))
        headers.append(KafkaHeader(name: "dlq-topic", value: original.topic))
        headers.append(KafkaHeader(name: "dlq-partition", value: String(original.partition)))
        headers.append(KafkaHeader(name: "dlq-offset", value: String(original.offset)))
        guard letter.omitsValue else {
            return KafkaProducerRecord(topic: topic, key: original.key, value: original.value, headers: headers)
        }
        headers.append(KafkaHeader(
            name: "dlq-value-omitted",
            value: "\(original.value.count) bytes, too large for a record with these headers; the original is at dlq-topic, dlq-partition, dlq-offset"
        ))
        return KafkaProducerRecord(topic: topic, key: original.key, value: [], headers: headers)
    }

    /// `reason` cut to at most 1 KiB (on a character boundary), so that headers leave the value its room.
    static func shortened(_ reason: String) -> String {
        guard reason.utf8.count > 1_024 else { return reason }
        var cut = ""
        for character in reason {
            guard cut.utf8.count + character.utf8.count <= 1_020 else { break }
            cut.append(character)
        }
        return cut + "..."
    }

    private static func deliver(_ reports: [KafkaDeliveryReport], to waits: WaitList) {
        var finished: [(CheckedContinuation<[Int], any Error>, Pending)] = []
        waits.withLock { waits in
            for report in reports {
                let batch = report.id >> 32
                guard var pending = waits.pending[batch] else { continue }
                pending.remaining -= 1
                if let error = report.error {
                    if error.refusesRecord {
                        pending.refused.append(Int(report.id & 0xFFFF_FFFF))
                    } else if pending.failure == nil {
                        pending.failure = error
                    }
                }
                if pending.remaining <= 0, let continuation = pending.continuation {
                    waits.pending[batch] = nil
                    finished.append((continuation, pending))
                } else {
                    waits.pending[batch] = pending
                }
            }
        }
        for (continuation, pending) in finished { resume(continuation, with: pending) }
    }
}
