internal import CRDKafka

/// Conversions between Swift partition lists and `rd_kafka_topic_partition_list_t`.
enum TopicPartitionList {
    /// Builds a C list (offsets optional), passes it to `body`, and destroys it afterwards.
    static func with<R, E: Error>(
        _ entries: [(KafkaTopicPartition, Int64?)],
        _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(E) -> R
    ) throws(E) -> R {
        let list = rd_kafka_topic_partition_list_new(Int32(entries.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (topicPartition, offset) in entries {
            let element = rd_kafka_topic_partition_list_add(list, topicPartition.topic, topicPartition.partition)!
            if let offset { element.pointee.offset = offset }
        }
        return try body(list)
    }

    static func with<R, E: Error>(
        _ partitions: [KafkaTopicPartition],
        _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(E) -> R
    ) throws(E) -> R {
        try with(partitions.map { ($0, nil) }, body)
    }

    /// Reads the entries of a C list; offsets below zero (librdkafka's "no offset" markers) become `nil`.
    static func entries(
        of list: UnsafePointer<rd_kafka_topic_partition_list_t>
    ) -> [(partition: KafkaTopicPartition, offset: Int64?, error: KafkaError?)] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            let partition = KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition)
            let error = element.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(element.err)
            return (partition, element.offset >= 0 ? element.offset : nil, error)
        }
    }
}

/// The text librdkafka wrote into a fixed-size error buffer.
func decodeErrorText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
