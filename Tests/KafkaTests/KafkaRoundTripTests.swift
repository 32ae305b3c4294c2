import Kafka
import Logging

import TestInfrastructure
import Testing

/// The ground is real: records go through the local broker and come back through a consumer group.
@Suite struct KafkaRoundTripTests {
    let logger = Logger(label: "kafka-tests")

    @Test func producedRecordsAreConsumedInAGroupAndTheCommitReadsBack() async throws {
        let brokers = try TestEnvironment.kafkaBrokers()
        let topic = TestEnvironment.uniqueName("roundtrip")
        let group = TestEnvironment.uniqueName("group")
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: brokers), logger: logger)
        try await admin.createTopics([KafkaNewTopic(name: topic, partitions: 3)])
        #expect(try await admin.partitions(of: topic) == [0, 1, 2])

        // Produce 300 records with keys and headers; every delivery report must be a success.
        let reports = Locked<[UInt64: KafkaDeliveryReport]>([:])
        let producer = try KafkaProducer(configuration: .producer(brokers: brokers), logger: logger) { batch in
            reports.withLock { for report in batch { $0[report.id] = report } }
        }
        let count = 300
        for index in 0..<count {
            try producer.produce(
                KafkaProducerRecord(
                    topic: topic, key: Array("user-\(index % 10)".utf8), value: Array("event-\(index)".utf8),
                    headers: [KafkaHeader(name: "correlation-id", value: "c-\(index)")]
                ),
                id: UInt64(index + 1)
            )
        }
        try await producer.flush(timeout: .seconds(30))
        await producer.close(timeout: .seconds(5))
        let delivered = reports.withLock { $0 }
        #expect(delivered.count == count)
        #expect(delivered.values.allSatisfy { $0.error == nil && $0.offset != nil && $0.topic == topic })

        // Consume them all in a group, commit, and read the committed offsets back.
        let consumer = try KafkaConsumer(configuration: .consumer(brokers: brokers, groupID: group), logger: logger)
        try consumer.subscribe(to: [topic])
        var received: [String: KafkaConsumerRecord] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        while received.count < count, ContinuousClock.now < deadline {
            for record in try await consumer.poll(maxRecords: 500, timeout: .milliseconds(200)) {
                received[String(decoding: record.value, as: UTF8.self)] = record
            }
        }
        #expect(received.count == count)
        for index in 0..<count {
            let record = try #require(received["event-\(index)"])
            #expect(record.key == Array("user-\(index % 10)".utf8))
            #expect(record.header("correlation-id") == "c-\(index)")
            #expect(delivered[UInt64(index + 1)]?.partition == record.partition)
        }

        var next: [KafkaTopicPartition: Int64] = [:]
        for record in received.values {
            let partition = KafkaTopicPartition(topic: topic, partition: record.partition)
            next[partition] = max(next[partition] ?? 0, record.offset + 1)
        }
        try await consumer.commit(next)
        #expect(try await consumer.committed(Array(next.keys)) == next)
        #expect(try await admin.committedOffsets(group: group, partitions: Array(next.keys)) == next)
        let watermarks = try await admin.watermarks(Array(next.keys))
        #expect(watermarks.count == next.count)
        #expect(watermarks.allSatisfy { $0.value.logStart == 0 && $0.value.logEnd <= next[$0.key]! })
        await consumer.close()
    }

    /// Reports of records of several topics, interleaved, arrive in batches; each names its own record's
    /// topic (the producer remembers the last topic handle it named).
    @Test func everyDeliveryReportNamesItsRecordsTopic() async throws {
        let brokers = try TestEnvironment.kafkaBrokers()
        let topics = [TestEnvironment.uniqueName("reports-a"), TestEnvironment.uniqueName("reports-b")]
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: brokers), logger: logger)
        try await admin.createTopics(topics.map { KafkaNewTopic(name: $0, partitions: 2) })
        let reports = Locked<[UInt64: KafkaDeliveryReport]>([:])
        let producer = try KafkaProducer(configuration: .producer(brokers: brokers), logger: logger) { batch in
            reports.withLock { for report in batch { $0[report.id] = report } }
        }
        // Runs of one topic of varying length, so batches of reports switch topics at varying places.
        let topicOfRecord = (0..<400).map { topics[($0 / ($0 % 7 + 1)) % 2] }
        for (index, topic) in topicOfRecord.enumerated() {
            try producer.produce(KafkaProducerRecord(topic: topic, value: Array("r\(index)".utf8)), id: UInt64(index))
        }
        try await producer.flush(timeout: .seconds(30))
        await producer.close(timeout: .seconds(5))
        let delivered = reports.withLock { $0 }
        #expect(delivered.count == topicOfRecord.count)
        for (index, topic) in topicOfRecord.enumerated() {
            #expect(delivered[UInt64(index)]?.topic == topic, "record \(index)")
        }
    }

    @Test func aBrokerThatIsNotThereIsReportedAsADeliveryFailure() async throws {
        let failures = Locked<[KafkaDeliveryReport]>([])
        // Port 1 on loopback: nothing listens there.
        let producer = try KafkaProducer(
            configuration: .producer(brokers: "127.0.0.1:1", deliveryTimeout: .seconds(1)), logger: logger
        ) { batch in failures.withLock { $0 += batch } }
        try producer.produce(KafkaProducerRecord(topic: "nowhere", value: [1, 2, 3]), id: 7)
        await producer.close(timeout: .seconds(5))
        let reports = failures.withLock { $0 }
        #expect(reports.count == 1)
        #expect(reports.first?.id == 7)
        #expect(reports.first?.error?.code == .messageTimedOut)
    }

    /// Its polling thread is gone after `close`, so a record taken then would never be reported.
    @Test func aClosedProducerRefusesRecords() async throws {
        let producer = try KafkaProducer(
            configuration: .producer(brokers: "127.0.0.1:1", deliveryTimeout: .seconds(1)), logger: logger
        ) { _ in }
        await producer.close(timeout: .seconds(1))
        #expect(throws: KafkaError.self) {
            try producer.produce(KafkaProducerRecord(topic: "nowhere", value: [1]), id: 1)
        }
        do {
            try producer.produce(KafkaProducerRecord(topic: "nowhere", value: [1]), id: 2)
        } catch {
            #expect(error.code == .closed)
        }
        // Flush counts records only (`outstandingCount` also counts the unserved connection errors
        // librdkafka keeps raising for the absent broker): a refused record would make it time out.
        try await producer.flush(timeout: .zero)
    }

    @Test func anErrorRaisedWithACodeCarriesLibrdkafkasNameForIt() {
        let error = KafkaError(code: .messageTimedOut, message: "no report")
        #expect(error.name == "_MSG_TIMED_OUT")
        #expect(error.message == "no report")
    }

    @Test func invalidSettingsAreRejectedWithTheirName() throws {
        var configuration = KafkaConfiguration.producer(brokers: "127.0.0.1:1")
        configuration["acks"] = "most"
        #expect {
            _ = try KafkaProducer(configuration: configuration, logger: logger) { _ in }
        } throws: { error in
            (error as? KafkaError)?.message.contains("acks=most") == true
        }
    }
}
