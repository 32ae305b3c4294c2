@testable import Kafka
import Logging
import TestInfrastructure
import Testing

/// A gateway must not take traffic while its idempotent producer still waits for its producer id: every
/// record would wait with it. The state comes from librdkafka's statistics.
@Suite struct ProducerIDStateTests {
    let logger = Logger(label: "kafka-tests")

    @Test func theStateIsReadFromTheStatisticsEOSSection() {
        let waiting = #"{"name":"rdkafka#producer-1","eos": { "idemp_state": "WaitTransport", "idemp_stateage": 92, "txn_state": "Init", "producer_id": -1 }}"#
        let assigned = #"{"name":"rdkafka#producer-1","eos": { "idemp_state": "Assigned", "idemp_stateage": 92, "producer_id": 1 }}"#
        #expect(ProducerIDState(statistics: waiting) == .pending("WaitTransport"))
        #expect(ProducerIDState(statistics: assigned) == .assigned)
        #expect(ProducerIDState(statistics: #"{"eos":{"idemp_state":"Assigned"}}"#) == .assigned)
        #expect(ProducerIDState(statistics: #"{"name":"rdkafka#producer-1","type":"producer","msg_cnt":0}"#) == .notIdempotent)
        #expect(ProducerIDState(statistics: #"{"eos":{"idemp_state": 3}}"#) == .pending("unreadable"))
    }

    @Test func aNewIdempotentProducerLearnsFromTheStatisticsThatItHasItsID() async throws {
        let producer = try KafkaProducer(configuration: .producer(brokers: try TestEnvironment.kafkaBrokers()), logger: logger) { _ in }
        // Nothing is produced, so only the statistics can tell it.
        let assigned = try await eventually(timeout: .seconds(30), every: .milliseconds(50)) { !producer.isAwaitingProducerID }
        #expect(assigned)
        await producer.close(timeout: .seconds(5))
    }

    @Test func itAwaitsUntilTheFirstStatisticsArrive() async throws {
        var configuration = KafkaConfiguration.producer(brokers: try TestEnvironment.kafkaBrokers())
        configuration["statistics.interval.ms"] = "600000"
        let producer = try KafkaProducer(configuration: configuration, logger: logger) { _ in }
        #expect(producer.isAwaitingProducerID)
        await producer.close(timeout: .seconds(5))
    }

    @Test func withoutIdempotenceOrStatisticsThereIsNothingToAwait() async throws {
        let brokers = try TestEnvironment.kafkaBrokers()
        var plain = KafkaConfiguration.producer(brokers: brokers)
        plain["enable.idempotence"] = "false"
        var silent = KafkaConfiguration.producer(brokers: brokers)
        silent["statistics.interval.ms"] = "0"
        for configuration in [plain, silent] {
            let producer = try KafkaProducer(configuration: configuration, logger: logger) { _ in }
            #expect(!producer.isAwaitingProducerID)
            await producer.close(timeout: .seconds(5))
        }
    }
}
