import Autoscaler
import Kafka
import Metrics
import MetricsTestKit
import TestInfrastructure
import Testing

/// The lag monitor against the real broker: each status created for real and read back from the metrics.
@Suite struct LagStatusTests {
    /// Reads `group` every 250 ms over a window of 2 s until the exported status is `expected` and
    /// `also` holds for the metrics (or 20 s pass).
    func statusBecomes(
        _ expected: GroupStatus, group: String, topic: String, reader: LagReader, metrics: TestMetrics,
        also: @escaping @Sendable (TestMetrics) throws -> Bool = { _ in true }
    ) async throws -> Bool {
        var tracker = GroupLagTracker(window: .seconds(2))
        return try await withMetricsFactory(metrics) {
            try await eventually(timeout: .seconds(20), every: .milliseconds(250)) {
                LagMetrics.record(tracker.record(await reader.read(group: group, topics: [topic])))
                return try metrics.expectGauge("kafka_consumergroup_status", [("group", group), ("status", expected.rawValue)]).lastValue == 1
                    && also(metrics)
            }
        }
    }

    /// A topic with 100 records on its one partition, and a group that committed `offsets` in turn and left.
    func backlog(committed offsets: [Int64]) async throws -> (brokers: String, topic: String, group: String) {
        let brokers = try TestEnvironment.kafkaBrokers()
        let topic = TestEnvironment.uniqueName("lag-status"), group = TestEnvironment.uniqueName("lag-status-group")
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: brokers), logger: testLogger)
        try await admin.createTopics([KafkaNewTopic(name: topic, partitions: 1)])
        let producer = try KafkaProducer(configuration: .producer(brokers: brokers), logger: testLogger) { _ in }
        for index in 0..<100 { try producer.produce(KafkaProducerRecord(topic: topic, value: [UInt8(index)], partition: 0), id: UInt64(index)) }
        try await producer.flush(timeout: .seconds(30))
        await producer.close(timeout: .seconds(5))
        if !offsets.isEmpty {
            let committer = try KafkaConsumer(configuration: .consumer(brokers: brokers, groupID: group), logger: testLogger)
            for offset in offsets { try await committer.commit([KafkaTopicPartition(topic: topic, partition: 0): offset]) }
            await committer.close()
        }
        return (brokers, topic, group)
    }

    @Test func aGroupWithoutMembersIsStopped() async throws {
        let (brokers, topic, group) = try await backlog(committed: [40])
        let reader = try LagReader(configuration: KafkaConfiguration(brokers: brokers), logger: testLogger)
        let metrics = TestMetrics()
        // Lag in seconds needs two reads: the backlog was there before the first, so it is at least their distance.
        #expect(try await statusBecomes(.stopped, group: group, topic: topic, reader: reader, metrics: metrics) { metrics in
            (try? metrics.expectGauge("kafka_consumergroup_lag_seconds", [("group", group)]).lastValue ?? 0 > 0) == true
        })
        #expect(try metrics.expectGauge("kafka_consumergroup_lag_total", [("group", group)]).lastValue == 60)
        #expect(try metrics.expectGauge("kafka_consumergroup_lag", [("group", group), ("topic", topic), ("partition", "0")]).lastValue == 60)
    }

    @Test func aMemberThatHoldsItsPartitionWithoutCommittingIsStalled() async throws {
        let (brokers, topic, group) = try await backlog(committed: [40])
        // A member that joins and owns the partition, but never commits past 40.
        let member = try await joinedMember(brokers: brokers, topic: topic, group: group)
        let reader = try LagReader(configuration: KafkaConfiguration(brokers: brokers), logger: testLogger)
        let metrics = TestMetrics()
        #expect(try await statusBecomes(.stalled, group: group, topic: topic, reader: reader, metrics: metrics))
        #expect(try metrics.expectGauge("kafka_consumergroup_partition_status", [("group", group), ("topic", topic), ("partition", "0"), ("status", "stalled")]).lastValue == 1)
        await member.close()
    }

    @Test func aCommittedOffsetThatWentBackIsRewound() async throws {
        let (brokers, topic, group) = try await backlog(committed: [])
        let member = try await joinedMember(brokers: brokers, topic: topic, group: group)
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        let reader = try LagReader(configuration: KafkaConfiguration(brokers: brokers), logger: testLogger)
        var tracker = GroupLagTracker(window: .seconds(30))
        try await member.commit([partition: 80])
        #expect(tracker.record(await reader.read(group: group, topics: [topic])).totalLag == 20)
        try await member.commit([partition: 20])
        let metrics = TestMetrics()
        let report = await withMetricsFactory(metrics) {
            let report = tracker.record(await reader.read(group: group, topics: [topic]))
            LagMetrics.record(report)
            return report
        }
        #expect(report.totalLag == 80)
        #expect(try metrics.expectGauge("kafka_consumergroup_status", [("group", group), ("status", "rewound")]).lastValue == 1)
        #expect(try metrics.expectGauge("kafka_consumergroup_status", [("group", group), ("status", "ok")]).lastValue == 0)
        await member.close()
    }

    /// A member of `group` that owns `topic`'s partition.
    func joinedMember(brokers: String, topic: String, group: String) async throws -> KafkaConsumer {
        let member = try KafkaConsumer(configuration: .consumer(brokers: brokers, groupID: group), logger: testLogger)
        try member.subscribe(to: [topic])
        let joined = try await eventually(timeout: .seconds(60)) {
            _ = try await member.poll(maxRecords: 10, timeout: .milliseconds(100))
            return try !member.assignment().isEmpty
        }
        #expect(joined, "the member never got the partition")
        return member
    }
}
