import Kafka
import Logging
import TestInfrastructure
import Testing

/// Consumer-group features the collectors rely on, against the local broker.
@Suite struct KafkaConsumerTests {
    let logger = Logger(label: "kafka-consumer-tests")

    /// Produces `count` records `0..<count` to partition 0 of a new one-partition topic.
    func topicWithRecords(_ count: Int, brokers: String) async throws -> String {
        let topic = TestEnvironment.uniqueName("consumer")
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: brokers), logger: logger)
        try await admin.createTopics([KafkaNewTopic(name: topic, partitions: 1)])
        let delivered = Locked(0)
        let producer = try KafkaProducer(configuration: .producer(brokers: brokers), logger: logger) { reports in
            delivered.withLock { $0 += reports.filter { $0.error == nil }.count }
        }
        for index in 0..<count {
            try producer.produce(KafkaProducerRecord(topic: topic, value: Array("\(index)".utf8), partition: 0), id: UInt64(index + 1))
        }
        try await producer.flush(timeout: .seconds(30))
        await producer.close(timeout: .seconds(5))
        #expect(delivered.value == count)
        return topic
    }

    func values(_ records: [KafkaConsumerRecord]) -> [Int] {
        records.compactMap { Int(String(decoding: $0.value, as: UTF8.self)) }
    }

    /// Polls until `count` records arrived or the deadline passed.
    func poll(_ consumer: KafkaConsumer, until count: Int, timeout: Duration = .seconds(60)) async throws -> [KafkaConsumerRecord] {
        var records: [KafkaConsumerRecord] = []
        let deadline = ContinuousClock.now + timeout
        while records.count < count, ContinuousClock.now < deadline {
            records += try await consumer.poll(maxRecords: 1000, timeout: .milliseconds(100))
        }
        return records
    }

    @Test func theRebalanceHandlerSeesTheAssignmentAndItsStartOffsetsAreUsed() async throws {
        let brokers = try TestEnvironment.kafkaBrokers()
        let topic = try await topicWithRecords(50, brokers: brokers)
        let events = Locked<[KafkaRebalanceEvent]>([])
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        let consumer = try KafkaConsumer(
            configuration: .consumer(brokers: brokers, groupID: TestEnvironment.uniqueName("group")), logger: logger
        ) { event in
            events.withLock { $0.append(event) }
            // Start where "our own storage" says: record 30.
            return [partition: 30]
        }
        try consumer.subscribe(to: [topic])
        let records = try await poll(consumer, until: 20)
        #expect(values(records) == Array(30..<50))
        #expect(events.value.first == .assigned([partition]))
        #expect(try consumer.assignment() == [partition])
        await consumer.close()
        #expect(events.value.last == .revoked([partition]))
    }

    @Test func seekingBackRedeliversAndPauseHoldsAPartition() async throws {
        let brokers = try TestEnvironment.kafkaBrokers()
        let topic = try await topicWithRecords(40, brokers: brokers)
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        let consumer = try KafkaConsumer(configuration: .consumer(brokers: brokers, groupID: TestEnvironment.uniqueName("group")), logger: logger)
        try consumer.subscribe(to: [topic])
        #expect(values(try await poll(consumer, until: 40)) == Array(0..<40))

        try await consumer.seek([partition: 10])
        #expect(values(try await poll(consumer, until: 30)) == Array(10..<40))

        // Paused: a seek back delivers nothing until resumed.
        try consumer.pause([partition])
        try await consumer.seek([partition: 35])
        var whilePaused: [KafkaConsumerRecord] = []
        for _ in 0..<10 { whilePaused += try await consumer.poll(maxRecords: 100, timeout: .milliseconds(100)) }
        #expect(whilePaused.isEmpty)
        try consumer.resume([partition])
        #expect(values(try await poll(consumer, until: 5)) == Array(35..<40))
        await consumer.close()
    }

    /// A pause ends with the assignment, as in Kafka's Java client: librdkafka keeps it on a partition that
    /// is revoked and later assigned again, which left a collector member owning partitions it never
    /// fetched (paused in a database outage, revoked, assigned back after the outage).
    @Test func aPausedPartitionAssignedAgainIsFetched() async throws {
        let brokers = try TestEnvironment.kafkaBrokers()
        let topic = try await topicWithRecords(30, brokers: brokers)
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        let group = TestEnvironment.uniqueName("group")
        let events = Locked<[KafkaRebalanceEvent]>([])
        let first = try KafkaConsumer(configuration: .consumer(brokers: brokers, groupID: group), logger: logger) { event in
            events.withLock { $0.append(event) }
            return [:]
        }
        try first.subscribe(to: [topic])
        #expect(values(try await poll(first, until: 30)) == Array(0..<30))
        try first.pause([partition])
        let pausedAt = events.value.count

        // A second member joins and leaves: the first one's partition is revoked, and after the second
        // one has left it is assigned to the first one again.
        let second = try KafkaConsumer(configuration: .consumer(brokers: brokers, groupID: group), logger: logger)
        try second.subscribe(to: [topic])
        var revoked = false
        let deadline = ContinuousClock.now + .seconds(60)
        while !revoked, ContinuousClock.now < deadline {
            async let secondPolled = second.poll(maxRecords: 100, timeout: .milliseconds(100))
            _ = try await first.poll(maxRecords: 100, timeout: .milliseconds(100))
            _ = try await secondPolled
            revoked = events.value.dropFirst(pausedAt).contains(.revoked([partition]))
        }
        #expect(revoked)
        await second.close()
        var records: [KafkaConsumerRecord] = []
        while records.isEmpty, ContinuousClock.now < deadline {
            records += try await first.poll(maxRecords: 100, timeout: .milliseconds(100))
        }
        #expect(events.value.last == .assigned([partition]))
        // Nothing was committed, so the group starts it from the beginning again; no resume was needed.
        #expect(values(records).first == 0)
        await first.close()
    }

    @Test func aConsumerWithoutGroupIsRejected() {
        #expect {
            _ = try KafkaConsumer(configuration: KafkaConfiguration(brokers: "127.0.0.1:1"), logger: logger)
        } throws: { error in
            (error as? KafkaError)?.message == "a consumer needs group.id"
        }
    }
}
