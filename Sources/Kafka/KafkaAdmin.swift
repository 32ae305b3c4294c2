internal import CRDKafka
public import Logging
#if canImport(Glibc)
internal import Glibc
#endif

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

/// The oldest offset a partition still keeps and the offset its next record will get.
public struct KafkaWatermarks: Sendable, Hashable {
    /// The log start offset: records below it were deleted by retention.
    public var logStart: Int64
    /// The log end offset (high watermark), as the broker's ListOffsets answer reports it.
    public var logEnd: Int64

    public init(logStart: Int64, logEnd: Int64) {
        self.logStart = logStart
        self.logEnd = logEnd
    }
}

/// A consumer group as its coordinator describes it.
public struct KafkaGroupDescription: Sendable, Hashable {
    /// The group's state in the group protocol.
    public enum State: String, Sendable, Hashable {
        case unknown, preparingRebalance, completingRebalance, stable, dead, empty
    }

    /// One member: its client and the partitions it owns.
    public struct Member: Sendable, Hashable {
        public var memberID: String
        public var clientID: String
        public var host: String
        public var assignment: [KafkaTopicPartition]
    }

    public var group: String
    public var state: State
    public var members: [Member]
}

/// Cluster administration: topics, partitions, offsets and consumer groups.
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

    /// The log start and end offsets of each partition, from ListOffsets.
    ///
    /// Some brokers (the local Tansu among them) answer ListOffsets(latest) with the base offset of the
    /// last record batch, so `logEnd` can read low by up to one batch; ``KafkaLogEndProbe`` reads the
    /// exact end from a fetch.
    public func watermarks(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicPartition: KafkaWatermarks] {
        let handle = self.handle
        return try await worker.run { () throws(KafkaError) -> [KafkaTopicPartition: KafkaWatermarks] in
            var offsets: [KafkaTopicPartition: KafkaWatermarks] = [:]
            for partition in partitions {
                var low: Int64 = 0, high: Int64 = 0
                try KafkaError.check(
                    rd_kafka_query_watermark_offsets(handle.pointer, partition.topic, partition.partition, &low, &high, timeout.timeoutMilliseconds),
                    "offsets of \(partition)"
                )
                offsets[partition] = KafkaWatermarks(logStart: max(0, low), logEnd: max(0, high))
            }
            return offsets
        }
    }

    /// The state and members of `group` (a group nobody has joined is `.empty` or `.dead`, without members).
    public func describeGroup(_ group: String, timeout: Duration = .seconds(10)) async throws(KafkaError) -> KafkaGroupDescription {
        let handle = self.handle
        return try await worker.run { () throws(KafkaError) -> KafkaGroupDescription in
            var description = KafkaGroupDescription(group: group, state: .unknown, members: [])
            // withCString rethrows untyped errors: a copy keeps the typed throws below.
            let name = strdup(group)
            defer { free(name) }
            do {
                var names: [UnsafePointer<CChar>?] = [UnsafePointer(name)]
                try Self.request(handle, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout: timeout) { options, queue in
                    rd_kafka_DescribeConsumerGroups(handle.pointer, &names, 1, options, queue)
                } result: { event throws(KafkaError) in
                    var count = 0
                    let groups = rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(event), &count)
                    guard count > 0, let described = groups?[0] else { return }
                    if let error = rd_kafka_ConsumerGroupDescription_error(described) {
                        throw KafkaError(rd_kafka_error_code(error), message: String(cString: rd_kafka_error_string(error)))
                    }
                    description.state = KafkaGroupDescription.State(rd_kafka_ConsumerGroupDescription_state(described))
                    for index in 0..<rd_kafka_ConsumerGroupDescription_member_count(described) {
                        guard let member = rd_kafka_ConsumerGroupDescription_member(described, index) else { continue }
                        let assigned = rd_kafka_MemberDescription_assignment(member).flatMap { rd_kafka_MemberAssignment_partitions($0) }
                        description.members.append(KafkaGroupDescription.Member(
                            memberID: String(cString: rd_kafka_MemberDescription_consumer_id(member)),
                            clientID: String(cString: rd_kafka_MemberDescription_client_id(member)),
                            host: String(cString: rd_kafka_MemberDescription_host(member)),
                            assignment: assigned.map { TopicPartitionList.entries(of: $0).map(\.partition).sorted() } ?? []
                        ))
                    }
                }
            }
            return description
        }
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

extension KafkaGroupDescription.State {
    init(_ state: rd_kafka_consumer_group_state_t) {
        switch state {
        case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE: self = .preparingRebalance
        case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE: self = .completingRebalance
        case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE: self = .stable
        case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD: self = .dead
        case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY: self = .empty
        default: self = .unknown
        }
    }
}
