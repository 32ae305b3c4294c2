import ArgumentParser
import Collector
import EventModel
import Foundation
import HTTPService
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import ServiceSupport

/// `eventplatform collector`: one member of a source's collector group, with `/metrics` and health.
struct CollectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collector",
        abstract: "Consume a source's topic into PostgreSQL, exactly once (run any number per source).",
        discussion: """
            Applies the schema migrations on start. Serves /metrics, /health/live and /health/ready.

            Also from the environment, in milliseconds: COLLECTOR_SESSION_TIMEOUT_MS (the consumer group's \
            session timeout; default 6000), COLLECTOR_IDLE_IN_TRANSACTION_TIMEOUT_MS and \
            COLLECTOR_LOCK_TIMEOUT_MS (PostgreSQL's idle-in-transaction and lock timeouts of its connections; \
            default 30000 each).
            """
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "The source to collect: facebook, tiktok or app. (env: COLLECTOR_SOURCE, required)")
    var source: String?

    @Option(help: "PostgreSQL URL. (env: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/eventplatform)")
    var databaseURL: String?

    @Option(help: "Port for /metrics and health; 0 picks a free one. (env: COLLECTOR_PORT, default 9101/9102/9103 by source)")
    var port: Int?

    @Option(help: "Consumer group. (env: COLLECTOR_GROUP, default <prefix>collector-<source>)")
    var group: String?

    @Option(help: "Topic to consume. (env: COLLECTOR_TOPIC, default <prefix>events.<source>)")
    var topic: String?

    @Option(help: "Dead-letter topic. (env: COLLECTOR_DLQ_TOPIC, default <prefix>events.dlq)")
    var dlqTopic: String?

    @Option(help: "Partitions of topics the collector creates. (env: KAFKA_PARTITIONS, default 6)")
    var partitions: Int?

    @Option(help: "Most records per database transaction. (env: COLLECTOR_BATCH_SIZE, default 25000)")
    var batchSize: Int?

    @Option(help: "Group members this instance runs, each with its own partitions and connection. (env: COLLECTOR_GROUP_MEMBERS, default 2)")
    var groupMembers: Int?

    @Option(help: "Milliseconds a batch may wait to fill. (env: COLLECTOR_BATCH_WAIT_MS, default 250)")
    var batchWaitMs: Int?

    @Option(help: "Days of raw events kept; 0 keeps them forever. (env: RAW_RETENTION_DAYS, default 365)")
    var retentionDays: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error. (env: LOG_LEVEL, default info)")
    var logLevel: String?

    @Option(help: "CPU niceness from 0 to 19: higher lets other processes of the machine (the gateway) run first, storing catches up from Kafka. (env: COLLECTOR_NICENESS, default 0; `up` sets 10)")
    var niceness: Int?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let sourceName = source ?? environment["COLLECTOR_SOURCE"], let source = EventSource(rawValue: sourceName) else {
            throw ValidationError("--source (or COLLECTOR_SOURCE) must be facebook, tiktok or app")
        }
        let levelName = logLevel ?? environment["LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("unknown log level '\(levelName)'")
        }
        let logger = {
            var logger = Logger(label: "collector")
            logger.logLevel = level
            return logger
        }()

        var configuration = CollectorConfiguration(source: source)
        configuration.brokers = kafka.resolvedBrokers
        configuration.groupID = kafka.collectorGroup(source)
        configuration.topic = kafka.topics[source]
        configuration.deadLetterTopic = kafka.topics.deadLetter
        configuration.databaseURL = databaseURL ?? environment["DATABASE_URL"] ?? configuration.databaseURL
        configuration.metricsPort = try port ?? integer("COLLECTOR_PORT", in: environment) ?? configuration.metricsPort
        configuration.groupID = group ?? environment["COLLECTOR_GROUP"] ?? configuration.groupID
        configuration.topic = topic ?? environment["COLLECTOR_TOPIC"] ?? configuration.topic
        configuration.deadLetterTopic = dlqTopic ?? environment["COLLECTOR_DLQ_TOPIC"] ?? configuration.deadLetterTopic
        if let partitions = try partitions ?? integer("KAFKA_PARTITIONS", in: environment) {
            configuration.topicPartitions = Int32(partitions)
        }
        configuration.batchSize = try batchSize ?? integer("COLLECTOR_BATCH_SIZE", in: environment) ?? configuration.batchSize
        if let wait = try batchWaitMs ?? integer("COLLECTOR_BATCH_WAIT_MS", in: environment) {
            configuration.batchWait = .milliseconds(wait)
        }
        if let days = try retentionDays ?? integer("RAW_RETENTION_DAYS", in: environment) {
            configuration.rawRetentionDays = days > 0 ? days : nil
        }
        configuration.groupMembers = try groupMembers ?? integer("COLLECTOR_GROUP_MEMBERS", in: environment) ?? configuration.groupMembers
        do {
            try configuration.readTimeouts(from: environment)
        } catch {
            throw ValidationError(error.description)
        }
        guard configuration.batchSize > 0 else { throw ValidationError("the batch size must be at least 1") }
        guard (1...64).contains(configuration.groupMembers) else { throw ValidationError("the group members must be from 1 to 64") }

        if let niceness = try niceness ?? integer("COLLECTOR_NICENESS", in: environment) {
            guard let value = Int32(exactly: niceness) else { throw ValidationError("niceness \(niceness) is not from 0 to 19") }
            do {
                try ProcessNiceness.set(value)
            } catch .outOfRange {
                throw ValidationError("niceness \(niceness) is not from 0 to 19")
            } catch {
                // A CPU share is a preference: where the kernel cannot apply it, the collector still stores.
                logger.warning("running at the default CPU share", metadata: ["niceness": "\(niceness)", "error": "\(error)"])
            }
        }
        ServiceBootstrap.start()
        let registry = ServiceBootstrap.registry

        let collector = Collector(configuration: configuration, logger: logger)
        let router = Router()
        router.addHealthRoutes { collector.isReady }
        router.addMetricsRoute(registry)
        let server = Application(
            router: router,
            configuration: .init(address: .hostname("0.0.0.0", port: configuration.metricsPort), serverName: "collector"),
            onServerRunning: { channel in
                logger.info("serving /metrics and health", metadata: ["http.address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
            },
            logger: logger
        )
        let services = ServiceGroup(configuration: .init(
            services: [collector, server],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await services.run()
    }

    private func integer(_ variable: String, in environment: [String: String]) throws -> Int? {
        guard let text = environment[variable], !text.isEmpty else { return nil }
        guard let value = Int(text) else { throw ValidationError("\(variable)=\(text) is not a whole number") }
        return value
    }
}
