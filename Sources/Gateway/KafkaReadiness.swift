import EventPublisher
import Kafka
import Logging
import Synchronization

/// Whether Kafka is reachable, every gateway topic exists and the publisher's producer is ready, for
/// `/health/ready`. The topics' answer is kept for a few seconds so that frequent probes cost Kafka
/// nothing; the producer's is read each time (it costs nothing).
final class KafkaReadiness: Sendable {
    private let publisher: Publisher
    private let admin: KafkaAdmin
    private let topics: [String]
    private let cacheDuration: Duration
    private let logger: Logger
    private let cached = Mutex<(ready: Bool, checkedAt: ContinuousClock.Instant)?>(nil)

    init(publisher: Publisher, topics: [String], cacheDuration: Duration, logger: Logger) throws(KafkaError) {
        self.publisher = publisher
        var configuration = KafkaConfiguration(brokers: publisher.configuration.brokers)
        // A metadata request must not create the topics it asks about.
        configuration["allow.auto.create.topics"] = "false"
        admin = try KafkaAdmin(configuration: configuration, logger: logger)
        self.topics = topics
        self.cacheDuration = cacheDuration
        self.logger = logger
    }

    func isReady() async -> Bool {
        // A producer that has just started (or replaced a broken one) holds what it is handed until it
        // has its producer id: no traffic before then.
        guard publisher.isReady else { return false }
        let now = ContinuousClock.now
        if let cached = cached.withLock({ $0 }), now - cached.checkedAt < cacheDuration { return cached.ready }
        let ready = await check()
        cached.withLock { $0 = (ready, now) }
        return ready
    }

    private func check() async -> Bool {
        for topic in topics {
            do {
                guard try await !admin.partitions(of: topic, timeout: .seconds(2)).isEmpty else {
                    logger.warning("not ready: topic has no partitions", metadata: ["topic": "\(topic)"])
                    return false
                }
            } catch {
                logger.warning("not ready: Kafka metadata unavailable", metadata: ["topic": "\(topic)", "error": "\(error)"])
                return false
            }
        }
        return true
    }
}
