import EventPublisher
import Logging
import ServiceLifecycleTestKit
import TestInfrastructure

let testLogger: Logger = {
    var logger = Logger(label: "publisher-tests")
    logger.logLevel = .notice
    return logger
}()

/// Runs a publisher as a service around `body`, then shuts it down gracefully and waits for `run()`.
func withRunningPublisher<T: Sendable>(
    _ configuration: PublisherConfiguration,
    _ body: @Sendable (Publisher) async throws -> T
) async throws -> T {
    let publisher = try Publisher(configuration: configuration, logger: testLogger)
    return try await testGracefulShutdown { trigger in
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await publisher.run() }
            let result: T
            do {
                result = try await body(publisher)
            } catch {
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
                throw error
            }
            trigger.triggerGracefulShutdown()
            try await group.waitForAll()
            return result
        }
    }
}

/// Creates a topic on `brokers` and returns its name.
func makeTopic(_ prefix: String, brokers: String, partitions: Int32 = 3) async throws -> String {
    let topic = TestEnvironment.uniqueName(prefix)
    let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: brokers), logger: testLogger)
    try await admin.createTopics([KafkaNewTopic(name: topic, partitions: partitions)])
    return topic
}

/// Reads `topic` from the beginning in a fresh group until `count` records arrived or `timeout` passed.
/// Reads a little longer after reaching `count`, so a duplicate would be seen.
func readTopic(_ topic: String, brokers: String, expecting count: Int, timeout: Duration = .seconds(120)) async throws -> [KafkaConsumerRecord] {
    let consumer = try KafkaConsumer(
        configuration: .consumer(brokers: brokers, groupID: TestEnvironment.uniqueName("reader")), logger: testLogger
    )
    try consumer.subscribe(to: [topic])
    var records: [KafkaConsumerRecord] = []
    let deadline = ContinuousClock.now + timeout
    while records.count < count, ContinuousClock.now < deadline {
        records += try await consumer.poll(maxRecords: 5000, timeout: .milliseconds(200))
    }
    // A short extra read: duplicates beyond `count` must show up in the result.
    let settle = ContinuousClock.now + .seconds(1)
    while ContinuousClock.now < settle {
        records += try await consumer.poll(maxRecords: 5000, timeout: .milliseconds(200))
    }
    await consumer.close()
    return records
}
