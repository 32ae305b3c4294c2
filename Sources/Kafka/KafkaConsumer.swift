internal import CRDKafka
public import Logging

/// A change of the partitions assigned to this consumer-group member.
public enum KafkaRebalanceEvent: Sendable, Hashable {
    /// The member now owns these partitions.
    case assigned([KafkaTopicPartition])
    /// The member no longer owns these partitions; finish or abandon their work now.
    case revoked([KafkaTopicPartition])
}

/// Called on the consumer's thread during ``KafkaConsumer/poll(maxRecords:timeout:)`` when the group
/// rebalances. For `.assigned` it may return the offsets to start each partition from (for example
/// offsets stored together with the data); partitions left out start from the group's committed offset.
public typealias KafkaRebalanceHandler = @Sendable (KafkaRebalanceEvent) -> [KafkaTopicPartition: Int64]

/// A consumer-group member that commits offsets explicitly.
///
/// Blocking librdkafka calls run on a thread the consumer owns; call ``close()`` to leave the group.
public final class KafkaConsumer: Sendable {
    private struct QueueHandle: @unchecked Sendable { let pointer: OpaquePointer }

    private let handle: KafkaHandle
    private let queue: QueueHandle
    private let worker = BlockingWorker(label: "kafka.consumer")

    /// - Parameters:
    ///   - configuration: must carry `group.id`; ``KafkaConfiguration/consumer(brokers:groupID:startFromBeginning:sessionTimeout:)``
    ///     gives suitable defaults.
    ///   - onRebalance: sees every assignment and revocation, and may choose start offsets.
    public init(
        configuration: KafkaConfiguration,
        logger: Logger,
        onRebalance: KafkaRebalanceHandler? = nil
    ) throws(KafkaError) {
        guard configuration["group.id"] != nil else {
            throw .configuration("a consumer needs group.id")
        }
        let logger = logger
        handle = try KafkaHandle(kind: .consumer, configuration: configuration, logger: logger) { rk, code, partitions in
            Self.rebalance(rk, code, partitions, handler: onRebalance, logger: logger)
        }
        // Route the main queue (errors, rebalances) to the consumer queue that poll serves.
        rd_kafka_poll_set_consumer(handle.pointer)
        queue = QueueHandle(pointer: rd_kafka_queue_get_consumer(handle.pointer)!)
    }

    deinit {
        rd_kafka_queue_destroy(queue.pointer)
    }

    /// Joins the group for `topics` (replacing an earlier subscription).
    public func subscribe(to topics: [String]) throws(KafkaError) {
        try TopicPartitionList.with(topics.map { KafkaTopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) }) { list throws(KafkaError) in
            try KafkaError.check(rd_kafka_subscribe(handle.pointer, list), "subscribe to \(topics)")
        }
    }

    /// Returns up to `maxRecords` records, waiting at most `timeout` for the first one.
    /// Rebalance handlers run during this call. An empty array means nothing arrived in time.
    public func poll(maxRecords: Int = 1000, timeout: Duration = .milliseconds(100)) async throws(KafkaError) -> [KafkaConsumerRecord] {
        let handle = self.handle, queue = self.queue
        return try await worker.run { () throws(KafkaError) -> [KafkaConsumerRecord] in
            var messages = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: maxRecords)
            let count = rd_kafka_consume_batch_queue(queue.pointer, timeout.timeoutMilliseconds, &messages, maxRecords)
            guard count >= 0 else { throw KafkaError(rd_kafka_last_error(), message: "consume failed") }
            var records: [KafkaConsumerRecord] = []
            records.reserveCapacity(count)
            for message in messages[0..<count] {
                guard let message else { continue }
                defer { rd_kafka_message_destroy(message) }
                if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    records.append(KafkaConsumerRecord(message))
                } else if message.pointee.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    // Errors here are the client's own retryable conditions (broker down, ...).
                    handle.logger.warning("consumer error", metadata: ["kafka.error": "\(KafkaError(message.pointee.err))"])
                }
            }
            return records
        }
    }

    /// Commits `offsets` for the group synchronously. Each offset is the next one to read
    /// (the last processed record's offset + 1), as Kafka defines committed offsets.
    public func commit(_ offsets: [KafkaTopicPartition: Int64]) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let handle = self.handle
        try await worker.run { () throws(KafkaError) in
            try TopicPartitionList.with(offsets.map { ($0.key, $0.value) }) { list throws(KafkaError) in
                try KafkaError.check(rd_kafka_commit(handle.pointer, list, 0), "commit")
                for entry in TopicPartitionList.entries(of: list) {
                    if let error = entry.error { throw error }
                }
            }
        }
    }

    /// The group's committed offsets for `partitions`; partitions without one are absent.
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        let handle = self.handle
        return try await worker.run { () throws(KafkaError) -> [KafkaTopicPartition: Int64] in
            try TopicPartitionList.with(partitions) { list throws(KafkaError) -> [KafkaTopicPartition: Int64] in
                try KafkaError.check(rd_kafka_committed(handle.pointer, list, timeout.timeoutMilliseconds), "read committed offsets")
                var offsets: [KafkaTopicPartition: Int64] = [:]
                for entry in TopicPartitionList.entries(of: list) {
                    if let error = entry.error { throw error }
                    if let offset = entry.offset { offsets[entry.partition] = offset }
                }
                return offsets
            }
        }
    }

    /// The first offset still in the log (low watermark) and the next offset to be written (high
    /// watermark) of each of `partitions`, as the broker reports them.
    public func watermarks(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicPartition: ClosedRange<Int64>] {
        let handle = self.handle
        return try await worker.run { () throws(KafkaError) -> [KafkaTopicPartition: ClosedRange<Int64>] in
            var marks: [KafkaTopicPartition: ClosedRange<Int64>] = [:]
            for partition in partitions {
                var low: Int64 = 0
                var high: Int64 = 0
                try KafkaError.check(
                    rd_kafka_query_watermark_offsets(handle.pointer, partition.topic, partition.partition, &low, &high, timeout.timeoutMilliseconds),
                    "query the watermarks of \(partition)"
                )
                marks[partition] = low...max(low, high)
            }
            return marks
        }
    }

    /// The partitions currently assigned to this member.
    public func assignment() throws(KafkaError) -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        try KafkaError.check(rd_kafka_assignment(handle.pointer, &list), "read assignment")
        guard let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return TopicPartitionList.entries(of: list).map(\.partition).sorted()
    }

    /// Stops fetching from `partitions` (they stay assigned) until ``resume(_:)`` or until they are revoked:
    /// a partition assigned again starts unpaused.
    public func pause(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try TopicPartitionList.with(partitions) { list throws(KafkaError) in
            try KafkaError.check(rd_kafka_pause_partitions(handle.pointer, list), "pause")
        }
    }

    /// Resumes fetching from paused `partitions`.
    public func resume(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try TopicPartitionList.with(partitions) { list throws(KafkaError) in
            try KafkaError.check(rd_kafka_resume_partitions(handle.pointer, list), "resume")
        }
    }

    /// Moves the fetch position of assigned partitions; the next poll returns records from `offsets`.
    public func seek(_ offsets: [KafkaTopicPartition: Int64], timeout: Duration = .seconds(10)) async throws(KafkaError) {
        let handle = self.handle
        try await worker.run { () throws(KafkaError) in
            try TopicPartitionList.with(offsets.map { ($0.key, $0.value) }) { list throws(KafkaError) in
                if let error = rd_kafka_seek_partitions(handle.pointer, list, timeout.timeoutMilliseconds) {
                    throw KafkaError(consuming: error)
                }
                for entry in TopicPartitionList.entries(of: list) {
                    if let error = entry.error { throw error }
                }
            }
        }
    }

    /// Leaves the group (revoking this member's partitions, which runs the rebalance handler) and
    /// stops fetching. The consumer cannot be used afterwards.
    public func close() async {
        let handle = self.handle
        await worker.run {
            let error = rd_kafka_consumer_close(handle.pointer)
            if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                handle.logger.warning("closing the consumer failed", metadata: ["kafka.error": "\(KafkaError(error))"])
            }
        }
    }

    /// Applies a rebalance: asks the handler for start offsets, then (un)assigns, following the
    /// group's protocol (eager or cooperative).
    private static func rebalance(
        _ rk: OpaquePointer, _ code: rd_kafka_resp_err_t,
        _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
        handler: KafkaRebalanceHandler?, logger: Logger
    ) {
        let partitions = TopicPartitionList.entries(of: list).map(\.partition)
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        switch code {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            logger.info("partitions assigned", metadata: ["kafka.partitions": "\(partitions.sorted())"])
            let offsets = handler?(.assigned(partitions)) ?? [:]
            for index in 0..<Int(list.pointee.cnt) {
                let element = list.pointee.elems[index]
                let partition = KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition)
                if let offset = offsets[partition] { list.pointee.elems[index].offset = offset }
            }
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, list) { logger.error("assign failed", metadata: ["kafka.error": "\(KafkaError(consuming: error))"]) }
            } else {
                let error = rd_kafka_assign(rk, list)
                if error != RD_KAFKA_RESP_ERR_NO_ERROR { logger.error("assign failed", metadata: ["kafka.error": "\(KafkaError(error))"]) }
            }
        default:
            logger.info("partitions revoked", metadata: ["kafka.partitions": "\(partitions.sorted())", "kafka.reason": "\(KafkaError(code).name)"])
            _ = handler?(.revoked(partitions))
            // librdkafka keeps an application pause on the partition object, so a partition assigned here
            // again would stay paused with nobody knowing; a pause ends with the assignment (as in Java's client).
            _ = rd_kafka_resume_partitions(rk, list)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, list) { logger.error("unassign failed", metadata: ["kafka.error": "\(KafkaError(consuming: error))"]) }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
        }
    }
}

extension KafkaConsumerRecord {
    init(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
        let m = message.pointee
        let topic = String(cString: rd_kafka_topic_name(m.rkt))
        let value = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        let key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        var headers: [KafkaHeader] = []
        var cHeaders: OpaquePointer?
        if rd_kafka_message_headers(message, &cHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR, let cHeaders {
            var index = 0
            var name: UnsafePointer<CChar>?
            var headerValue: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(cHeaders, index, &name, &headerValue, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let bytes = headerValue.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                headers.append(KafkaHeader(name: name.map { String(cString: $0) } ?? "", value: bytes))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        self.init(
            topic: topic, partition: m.partition, offset: m.offset, key: key, value: value,
            headers: headers, timestampMilliseconds: timestamp >= 0 ? timestamp : nil
        )
    }
}
