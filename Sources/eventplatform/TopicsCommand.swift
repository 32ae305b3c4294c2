import ArgumentParser
import EventModel
import Foundation
import Kafka
import Logging

/// `eventplatform topics`: creates the platform's topics where missing.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create the platform's topics (events.facebook, events.tiktok, events.app, events.dlq) where missing."
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Partitions of each new topic. (env: KAFKA_PARTITIONS, default 6)")
    var partitions: Int32?

    func run() async throws {
        let partitions = partitions ?? ProcessInfo.processInfo.environment["KAFKA_PARTITIONS"].flatMap { Int32($0) } ?? 6
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: kafka.resolvedBrokers), logger: Logger(label: "topics"))
        let names = kafka.topics.all
        try await admin.createTopics(names.map { KafkaNewTopic(name: $0, partitions: partitions) })
        for name in names {
            print("\(name): \(try await admin.partitions(of: name).count) partitions")
        }
    }
}
