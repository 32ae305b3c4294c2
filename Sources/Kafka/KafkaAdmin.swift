internal import CRDKafka
public import Logging

/// A topic to create.
public struct KafkaNewTopic: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int32

    public init(name: String, partitions: Int32 = 6, replicationFactor: Int32 = 1) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
    }
}

/// How far a consumer group is behind on one partition.
public struct KafkaPartitionLag: Sendable, Hashable {
    public var partition: KafkaTopicPartition
    /// The group's committed offset, or `nil` when it has committed nothing on this partition.
    public var committed: Int64?
    /// The partition's end offset as the broker reports it.
    public var end: Int64
    /// Records not yet consumed, never negative: `end - committed` (or `end` without a commit).
    public var lag: Int64 { max(0, end - (committed ?? 0)) }
}

/// Cluster administration: topics, partitions, a group's committed offsets and lag.
///
/// Every call blocks in librdkafka, so each runs on a thread the admin client owns.
public final class KafkaAdmin: Sendable {
    private let handle: KafkaHandle
    private let worker = BlockingWorker(label: "kafka.admin")

    public init(configuration: KafkaConfiguration, logger: Logger) throws(KafkaError) {
        self.handle = try KafkaHandle(kind: .producer, configuration: configuration, logger: logger)
    }

    /// Creates the topics that do not exist yet; existing topics are left as they are.
    public func createTopics(_ topics: [KafkaNewTopic], timeout: Duration = .seconds(30)) async throws(KafkaError) {
        guard !topics.isEmpty else { return }
        let handle = self.handle
        try await worker.run { () throws(KafkaError) in
            var errorText = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
            for topic in topics {
                guard let newTopic = rd_kafka_NewTopic_new(topic.name, topic.partitions, topic.replicationFactor, &errorText, errorText.count) else {
                    throw .configuration("invalid topic \(topic.name): \(decodeErrorText(errorText))")
                }
                newTopics.append(newTopic)
            }
            try Self.request(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout: timeout) { options, queue in
                rd_kafka_CreateTopics(handle.pointer, &newTopics, newTopics.count, options, queue)
            } result: { event throws(KafkaError) in
                var count = 0
                let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
                for index in 0..<count {
                    guard let result = results?[index] else { continue }
                    let code = rd_kafka_topic_result_error(result)
                    if code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { continue }
                    let name = String(cString: rd_kafka_topic_result_name(result))
                    let text = rd_kafka_topic_result_error_string(result).map { String(cString: $0) } ?? ""
                    throw KafkaError(code, message: "cannot create topic \(name): \(text)")
                }
            }
        }
    }

    /// The partition ids of `topic`, from the cluster's metadata.
    public func partitions(of topic: String, timeout: Duration = .seconds(10)) async throws(KafkaError) -> [Int32] {
        let handle = self.handle
        return try await worker.run { () throws(KafkaError) -> [Int32] in
            guard let rkt = rd_kafka_topic_new(handle.pointer, topic, nil) else {
                throw KafkaError(rd_kafka_last_error(), message: "cannot open topic \(topic)")
            }
            defer { rd_kafka_topic_destroy(rkt) }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            try KafkaError.check(rd_kafka_metadata(handle.pointer, 0, rkt, &metadata, timeout.timeoutMilliseconds), "metadata of \(topic)")
            guard let metadata else { return [] }
            defer { rd_kafka_metadata_destroy(metadata) }
            guard metadata.pointee.topic_cnt > 0 else { return [] }
            let described = metadata.pointee.topics[0]
            try KafkaError.check(described.err, "metadata of \(topic)")
            return (0..<Int(described.partition_cnt)).map { described.partitions[$0].id }.sorted()
        }
    }

    /// The offsets `group` has committed on `partitions`; partitions without a commit are absent.
    public func committedOffsets(group: String, partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        let handle = self.handle
        return try await worker.run { () throws(KafkaError) -> [KafkaTopicPartition: Int64] in
            try TopicPartitionList.with(partitions) { list throws(KafkaError) -> [KafkaTopicPartition: Int64] in
                var request: [OpaquePointer?] = [rd_kafka_ListConsumerGroupOffsets_new(group, list)]
                defer { rd_kafka_ListConsumerGroupOffsets_destroy(request[0]) }
                var offsets: [KafkaTopicPartition: Int64] = [:]
                try Self.request(handle, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout: timeout) { options, queue in
                    rd_kafka_ListConsumerGroupOffsets(handle.pointer, &request, 1, options, queue)
                } result: { event throws(KafkaError) in
                    var count = 0
                    let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(event), &count)
                    for index in 0..<count {
                        guard let result = groups?[index] else { continue }
                        if let error = rd_kafka_group_result_error(result) {
                            throw KafkaError(rd_kafka_error_code(error), message: String(cString: rd_kafka_error_string(error)))
                        }
                        guard let partitions = rd_kafka_group_result_partitions(result) else { continue }
                        for entry in TopicPartitionList.entries(of: partitions) {
                            if let offset = entry.offset { offsets[entry.partition] = offset }
                        }
                    }
                }
                return offsets
            }
        }
    }

    /// The end offset (high watermark) of each partition, as the broker reports it.
    public func endOffsets(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        let handle = self.handle
        return try await worker.run { () throws(KafkaError) -> [KafkaTopicPartition: Int64] in
            var offsets: [KafkaTopicPartition: Int64] = [:]
            for partition in partitions {
                var low: Int64 = 0, high: Int64 = 0
                try KafkaError.check(
                    rd_kafka_query_watermark_offsets(handle.pointer, partition.topic, partition.partition, &low, &high, timeout.timeoutMilliseconds),
                    "end offset of \(partition)"
                )
                offsets[partition] = high
            }
            return offsets
        }
    }

    /// The lag of `group` on every partition of `topics`.
    ///
    /// Some brokers (the local Tansu among them) report the end offset of the last record batch rather
    /// than the log end, so lag can read low by up to one batch; it is never negative.
    public func lag(group: String, topics: [String], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaPartitionLag] {
        var partitions: [KafkaTopicPartition] = []
        for topic in topics {
            partitions += try await self.partitions(of: topic, timeout: timeout).map { KafkaTopicPartition(topic: topic, partition: $0) }
        }
        let committed = try await committedOffsets(group: group, partitions: partitions, timeout: timeout)
        let ends = try await endOffsets(partitions, timeout: timeout)
        return partitions.map { KafkaPartitionLag(partition: $0, committed: committed[$0], end: ends[$0] ?? 0) }
    }

    /// Sends one admin request and waits for its result event on a private queue.
    private static func request(
        _ handle: KafkaHandle,
        _ operation: rd_kafka_admin_op_t,
        timeout: Duration,
        send: (OpaquePointer, OpaquePointer) -> Void,
        result: (OpaquePointer) throws(KafkaError) -> Void
    ) throws(KafkaError) {
        let queue = rd_kafka_queue_new(handle.pointer)!
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle.pointer, operation)!
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errorText = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeout.timeoutMilliseconds, &errorText, errorText.count)
        send(options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeout.timeoutMilliseconds + 1000) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, message: "no answer from the cluster within \(timeout)")
        }
        defer { rd_kafka_event_destroy(event) }
        try KafkaError.check(rd_kafka_event_error(event), String(cString: rd_kafka_event_error_string(event)))
        try result(event)
    }
}
