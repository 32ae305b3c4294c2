import ArgumentParser
import EventModel
import Foundation
import Gateway
import Kafka

/// Options shared by the commands that talk to Kafka.
struct KafkaOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers, host:port[,host:port]. (env: KAFKA_BROKERS, default 127.0.0.1:9092)")
    var brokers: String?

    @Option(help: "Prefix of every topic and consumer group, to share a cluster between environments. (env: KAFKA_TOPIC_PREFIX, default none)")
    var topicPrefix: String?

    var resolvedBrokers: String {
        brokers ?? ProcessInfo.processInfo.environment["KAFKA_BROKERS"] ?? "127.0.0.1:9092"
    }

    var resolvedPrefix: String {
        topicPrefix ?? ProcessInfo.processInfo.environment["KAFKA_TOPIC_PREFIX"] ?? ""
    }

    /// The contract's topics, prefixed.
    var topics: GatewayTopics { GatewayTopics(prefix: resolvedPrefix) }

    /// The collector group of `source`, prefixed like the topics.
    func collectorGroup(_ source: EventSource) -> String { resolvedPrefix + source.collectorGroup }
}
