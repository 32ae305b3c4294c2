import ArgumentParser
import Foundation
import Kafka

/// Options shared by the commands that talk to Kafka.
struct KafkaOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers, host:port[,host:port]. (env: KAFKA_BROKERS, default 127.0.0.1:9092)")
    var brokers: String?

    var resolvedBrokers: String {
        brokers ?? ProcessInfo.processInfo.environment["KAFKA_BROKERS"] ?? "127.0.0.1:9092"
    }
}
