internal import CRDKafka
public import Logging

/// Reads the exact log end offset of partitions from a fetch.
///
/// ListOffsets(latest) is how lag tools read the log end, but some brokers (the local Tansu among them)
/// answer it with the base offset of the last record batch, which reads low by up to one batch: a lag
/// computed from it can be zero while records wait. The high watermark in a Fetch answer is right, so
/// the probe fetches from a known lower bound of the end and reads the watermark librdkafka took from
/// that answer. It is a consumer without a group: it commits nothing and joins nothing.
public final class KafkaLogEndProbe: Sendable {
    private let handle: KafkaHandle
    private let worker = BlockingWorker(label: "kafka.log-end-probe")

    /// - Parameter configuration: the brokers (and any security settings); the probe adds its own
    ///   consumer settings.
    public init(configuration: KafkaConfiguration, logger: Logger) throws(KafkaError) {
        var configuration = configuration
        // librdkafka's consumer poll needs a group id even when partitions are assigned by hand;
        // nothing is joined or committed under it.
        configuration["group.id"] = configuration["group.id"] ?? "eventplatform-log-end-probe"
        configuration["enable.auto.commit"] = "false"
        configuration["enable.partition.eof"] = "true"
        configuration["fetch.wait.max.ms"] = "20"
        configuration["max.partition.fetch.bytes"] = "65536"
        configuration["queued.max.messages.kbytes"] = "1024"
        self.handle = try KafkaHandle(kind: .consumer, configuration: configuration, logger: logger)
    }

    /// The log end offset of each partition the fetch reached within `timeout`, fetching from
    /// `lowerBounds` (offsets known not to be past the end, such as ListOffsets' answer). A partition it
    /// did not reach is absent: its end is only known to be at least its lower bound.
    public func logEnds(from lowerBounds: [KafkaTopicPartition: Int64], timeout: Duration = .seconds(2)) async throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        guard !lowerBounds.isEmpty else { return [:] }
        let handle = self.handle
        return try await worker.run { () throws(KafkaError) -> [KafkaTopicPartition: Int64] in
            try TopicPartitionList.with(lowerBounds.map { ($0.key, $0.value) }) { list throws(KafkaError) in
                try KafkaError.check(rd_kafka_assign(handle.pointer, list), "assign partitions to the log end probe")
            }
            defer { _ = rd_kafka_assign(handle.pointer, nil) }
            var ends: [KafkaTopicPartition: Int64] = [:]
            var pending = Set(lowerBounds.keys)
            let deadline = ContinuousClock.now + timeout
            while !pending.isEmpty, ContinuousClock.now < deadline {
                guard let message = rd_kafka_consumer_poll(handle.pointer, 50) else { continue }
                defer { rd_kafka_message_destroy(message) }
                guard let topic = message.pointee.rkt.map({ String(cString: rd_kafka_topic_name($0)) }) else { continue }
                let partition = KafkaTopicPartition(topic: topic, partition: message.pointee.partition)
                guard pending.contains(partition) else { continue }
                switch message.pointee.err {
                case RD_KAFKA_RESP_ERR__PARTITION_EOF:
                    // The end-of-partition event carries the offset the next record will get.
                    ends[partition] = max(lowerBounds[partition] ?? 0, message.pointee.offset)
                case RD_KAFKA_RESP_ERR_NO_ERROR:
                    // librdkafka keeps the high watermark of the fetch answer that carried this record.
                    var low: Int64 = 0, high: Int64 = 0
                    _ = rd_kafka_get_watermark_offsets(handle.pointer, topic, partition.partition, &low, &high)
                    ends[partition] = max(lowerBounds[partition] ?? 0, high, message.pointee.offset + 1)
                default:
                    continue
                }
                pending.remove(partition)
            }
            return ends
        }
    }
}
