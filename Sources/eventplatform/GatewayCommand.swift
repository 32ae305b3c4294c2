import ArgumentParser
import EventModel
import EventPublisher
import Foundation
import Gateway
import Hummingbird
import Logging

/// `eventplatform gateway`: HTTP ingestion of webhook and product events into Kafka.
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Run the ingestion gateway (POST /webhook/events, /webhook/events/bulk, /events; /health/*, /metrics).",
        discussion: """
        Also from the environment: GATEWAY_MAX_BODY_MEMORY_BYTES (memory of all bodies being read and parsed, \
        counted as 5x each body; default 335544320, or five times GATEWAY_MAX_BODY_BYTES if more), GATEWAY_IDLE_TIMEOUT_MS (idle connections close; default 60000). \
        Publisher settings come from the environment: PUBLISHER_PRESET, PUBLISHER_BATCH_SIZE, PUBLISHER_BATCH_TIMEOUT_MS, \
        PUBLISHER_MAX_BATCH_SIZE, PUBLISHER_MAX_PENDING_EVENTS, PUBLISHER_MAX_PENDING_BYTES, PUBLISHER_ENQUEUE_TIMEOUT_MS, \
        PUBLISHER_DELIVERY_TIMEOUT_MS, PUBLISHER_LINGER_MS (the gateway's default 3, the library's 5). Signing secrets: GATEWAY_SECRET_FACEBOOK, GATEWAY_SECRET_TIKTOK, \
        GATEWAY_SECRET_APP (unset: no signature required for that source). GATEWAY_TRUSTED_PROXIES: comma-separated \
        addresses of load balancers whose X-Forwarded-For names the client for the rate limit (default none).
        """
    )

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var options: GatewayOptions

    func run() async throws {
        ServiceBootstrap.start()
        let logger = Logger(label: "gateway")
        let (configuration, publisher) = try await options.makeGateway(kafka: kafka, logger: logger)
        let app = try buildApplication(configuration: configuration, publisher: publisher, registry: ServiceBootstrap.registry, logger: logger)
        logger.info("gateway listening", metadata: ["port": "\(configuration.port)", "brokers": "\(kafka.resolvedBrokers)"])
        try await app.runService()
    }
}

/// The gateway's options; shared with `up`.
struct GatewayOptions: ParsableArguments {
    @Option(name: .customLong("gateway-port"), help: "HTTP port of the gateway. (env: GATEWAY_PORT, default 8080)")
    var port: Int?

    @Option(name: .customLong("gateway-host"), help: "Address to listen on. (env: GATEWAY_HOST, default 0.0.0.0)")
    var host: String?

    @Option(help: "Largest accepted body in bytes. (env: GATEWAY_MAX_BODY_BYTES, default 67108864)")
    var maxBodyBytes: Int?

    @Option(help: "Per-client rate limit in requests/s; 0 = off. (env: GATEWAY_RATE_LIMIT, default 0)")
    var rateLimit: Double?

    @Option(help: "Burst of the per-client rate limit. (env: GATEWAY_RATE_LIMIT_BURST, default 20)")
    var rateLimitBurst: Int?

    @Option(help: "Partitions of topics created at start. (env: KAFKA_PARTITIONS, default 6)")
    var partitions: Int32?

    @OptionGroup var storability: StorabilityOptions

    /// The gateway's configuration and its publisher (settings from the environment), topics created.
    func makeGateway(kafka: KafkaOptions, logger: Logger) async throws -> (GatewayConfiguration, Publisher) {
        let environment = ServiceBootstrap.environment
        let brokers = kafka.resolvedBrokers
        var configuration = GatewayConfiguration()
        configuration.topics = kafka.topics
        configuration.port = try port ?? environment.integer("GATEWAY_PORT", default: configuration.port, in: 0...65_535)
        configuration.host = host ?? environment.string("GATEWAY_HOST", default: configuration.host)
        configuration.maximumBodyBytes = try maxBodyBytes
            ?? environment.integer("GATEWAY_MAX_BODY_BYTES", default: configuration.maximumBodyBytes, in: 1024...(1 << 31))
        configuration.maximumBodyMemory = try environment.integer(
            "GATEWAY_MAX_BODY_MEMORY_BYTES", default: max(configuration.maximumBodyMemory, configuration.minimumBodyMemory),
            in: configuration.minimumBodyMemory...(1 << 40))
        configuration.idleTimeout = try environment.milliseconds(
            "GATEWAY_IDLE_TIMEOUT_MS", default: configuration.idleTimeout, in: 1...86_400_000)
        let rate = try rateLimit ?? Double(environment.integer("GATEWAY_RATE_LIMIT", default: 0, in: 0...1_000_000))
        if rate > 0 {
            let burst = try rateLimitBurst ?? environment.integer("GATEWAY_RATE_LIMIT_BURST", default: 20, in: 1...1_000_000)
            let proxies = environment.string("GATEWAY_TRUSTED_PROXIES", default: "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            configuration.rateLimit = .init(requestsPerSecond: rate, burst: burst, trustedProxies: Set(proxies))
        }
        for source in EventSource.allCases {
            let secret = environment.string("GATEWAY_SECRET_\(source.rawValue.uppercased())", default: "")
            if !secret.isEmpty { configuration.signingSecrets[source] = secret }
        }
        configuration.storability = try storability.rule()
        configuration.topicPartitions = try partitions ?? Int32(environment.integer("KAFKA_PARTITIONS", default: 6, in: 1...1000))
        try configuration.validate()

        var publisherConfiguration = try GatewayConfiguration.publisherConfiguration(environment: ProcessInfo.processInfo.environment)
        publisherConfiguration.brokers = brokers
        try await configuration.topics.createMissing(brokers: brokers, partitions: configuration.topicPartitions, logger: logger)
        return (configuration, try Publisher(configuration: publisherConfiguration, logger: logger))
    }
}
