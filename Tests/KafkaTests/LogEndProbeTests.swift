import Kafka
import Logging
import TestInfrastructure
import Testing

/// The local broker answers ListOffsets(latest) with the base offset of the last record batch; the probe
/// must read the true end from a fetch, so that lag never reads zero while records wait.
@Suite struct LogEndProbeTests {
    let logger = Logger(label: "kafka-tests")

    @Test func theProbeReadsTheExactLogEndWhereListOffsetsReadsLow() async throws {
        let brokers = try TestEnvironment.kafkaBrokers()
        let topic = TestEnvironment.uniqueName("log-end")
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: brokers), logger: logger)
        try await admin.createTopics([KafkaNewTopic(name: topic, partitions: 1)])
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        let producer = try KafkaProducer(configuration: .producer(brokers: brokers), logger: logger) { _ in }
        // Two batches of 500 records each (one flush each): the log ends at 1,000.
        for batch in 0..<2 {
            for index in 0..<500 {
                try producer.produce(KafkaProducerRecord(topic: topic, value: Array("r-\(batch)-\(index)".utf8), partition: 0), id: UInt64(batch * 500 + index))
            }
            try await producer.flush(timeout: .seconds(30))
        }
        await producer.close(timeout: .seconds(5))

        let listed = try #require(try await admin.watermarks([partition])[partition])
        #expect(listed.logStart == 0)
        #expect(listed.logEnd <= 1_000)
        let probe = try KafkaLogEndProbe(configuration: KafkaConfiguration(brokers: brokers), logger: logger)
        let ends = try await probe.logEnds(from: [partition: listed.logEnd])
        #expect(ends[partition] == 1_000, "ListOffsets said \(listed.logEnd)")
        // From the exact end, the probe finds the end of the partition itself.
        #expect(try await probe.logEnds(from: [partition: 1_000])[partition] == 1_000)
    }

    /// A partition the fetch cannot reach has no known end: answering its lower bound would let a caller
    /// take it for the end (the collectors' completeness marks would cover records never fetched).
    @Test func aPartitionTheFetchDoesNotReachIsLeftOut() async throws {
        let probe = try KafkaLogEndProbe(configuration: KafkaConfiguration(brokers: try TestEnvironment.kafkaBrokers()), logger: logger)
        let missing = KafkaTopicPartition(topic: TestEnvironment.uniqueName("no-such-topic"), partition: 0)
        #expect(try await probe.logEnds(from: [missing: 0], timeout: .milliseconds(500)).isEmpty)
    }

    @Test func aGroupNobodyJoinedIsDescribedWithoutMembersOrNotAtAll() async throws {
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: try TestEnvironment.kafkaBrokers()), logger: logger)
        let description = try await admin.describeGroup(TestEnvironment.uniqueName("nobody"))
        // Kafka says empty or dead; the local broker cannot describe groups and says unknown.
        #expect(description.members.isEmpty)
        #expect([.empty, .dead, .unknown].contains(description.state))
    }
}
