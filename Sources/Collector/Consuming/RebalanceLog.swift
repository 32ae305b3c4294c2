internal import Kafka
internal import Synchronization

/// Collects the consumer's rebalance events, which librdkafka reports on the consumer's thread in the
/// middle of a poll, for the collector's loop to apply after the poll returns.
final class RebalanceLog: Sendable {
    private let events = Mutex<[KafkaRebalanceEvent]>([])

    /// The consumer's rebalance handler: records the event and keeps the group's start offsets (the
    /// collector moves to the offsets stored in PostgreSQL itself, which needs the database).
    func record(_ event: KafkaRebalanceEvent) -> [KafkaTopicPartition: Int64] {
        events.withLock { $0.append(event) }
        return [:]
    }

    /// The events since the last call, oldest first.
    func drain() -> [KafkaRebalanceEvent] {
        events.withLock { events in
            defer { events.removeAll() }
            return events
        }
    }
}
