import ArgumentParser
import Autoscaler
import EventModel
import Foundation
import HTTPService
import Hummingbird
import Kafka
import Logging
import ServiceLifecycle
import ServiceSupport

/// `eventplatform autoscale`: supervises collector processes and scales each source's group by its lag.
struct AutoscaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoscale",
        abstract: "Run collector processes for each source and scale them by their group's Kafka lag.",
        discussion: """
        Each polling interval: desired = ceil(total lag / lag threshold), at least --min-replicas, at most \
        --max-replicas and never above the topic's partitions; scale-out at once, scale-in (of the youngest \
        collector, gracefully) only to the highest recommendation of the stabilisation window. A failed lag \
        read never scales in. A collector that exits unexpectedly is restarted with backoff. Serves /metrics \
        and /health/* on --port.
        """
    )

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var autoscaler: AutoscalerOptions

    @Option(help: "Only this source's group: facebook, tiktok or app. (default: all three)")
    var source: String?

    @Option(help: "PostgreSQL URL for the collectors. (env: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/eventplatform)")
    var databaseURL: String?

    func validate() throws {
        if let source, EventSource(rawValue: source) == nil {
            throw ValidationError("unknown source '\(source)'; expected facebook, tiktok or app")
        }
    }

    func run() async throws {
        ServiceBootstrap.start()
        let logger = Logger(label: "autoscaler")
        let sources = source.flatMap(EventSource.init(rawValue:)).map { [$0] } ?? EventSource.allCases
        let configuration = try autoscaler.configuration(sources: sources, kafka: kafka, databaseURL: databaseURL)
        let autoscaler = try Autoscaler(configuration: configuration, logger: logger)
        let services = ServiceGroup(configuration: .init(
            services: [autoscaler, try self.autoscaler.endpoint(logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await services.run()
    }
}

/// The autoscaler's settings (contract section 8), shared by `autoscale` and `up`.
struct AutoscalerOptions: ParsableArguments {
    @Option(help: "Fewest collector instances per group. (env: AUTOSCALER_MIN_REPLICAS, default 1)")
    var minReplicas: Int?

    @Option(help: "Most instances per group, never above the topic's partitions. (env: AUTOSCALER_MAX_REPLICAS, default the partition count)")
    var maxReplicas: Int?

    @Option(help: "Target lag per instance: desired = ceil(total lag / threshold). (env: AUTOSCALER_LAG_THRESHOLD, default 50000)")
    var lagThreshold: Int?

    @Option(help: "At or below this total lag a group runs --min-replicas. (env: AUTOSCALER_ACTIVATION_LAG_THRESHOLD, default 0)")
    var activationLagThreshold: Int?

    @Option(help: "Seconds between lag reads and decisions. (env: AUTOSCALER_POLLING_INTERVAL, default 5)")
    var pollingInterval: Int?

    @Option(help: "Seconds over which the highest recommendation is kept before scaling in. (env: AUTOSCALER_SCALE_DOWN_STABILIZATION, default 60)")
    var scaleDownStabilization: Int?

    @Option(help: "Enough instances to drain the backlog within this many seconds at the measured rate. (env: AUTOSCALER_TARGET_DRAIN_SECONDS, default off)")
    var targetDrainSeconds: Int?

    @Flag(inversion: .prefixedNo, help: "Only instance counts that divide the partitions evenly. (env: AUTOSCALER_EVEN_PARTITIONS, default off)")
    var evenPartitions: Bool?

    @Option(help: "Seconds over which group statuses and consumption rates are judged. (env: AUTOSCALER_STATUS_WINDOW, default 30)")
    var statusWindow: Int?

    @Option(name: .customLong("autoscaler-port"), help: "Port of the autoscaler's /metrics and health. (env: AUTOSCALER_PORT, default 9100)")
    var port: Int?

    @Option(help: "Prometheus file_sd file kept current with the collectors' /metrics addresses. (env: AUTOSCALER_SCRAPE_TARGETS_FILE, default none)")
    var scrapeTargetsFile: String?

    @Option(help: "Group members each collector process runs. (env: AUTOSCALER_COLLECTOR_GROUP_MEMBERS, default 1: an instance is one member)")
    var collectorGroupMembers: Int?

    func configuration(sources: [EventSource], kafka: KafkaOptions, databaseURL: String?) throws -> AutoscalerConfiguration {
        let environment = ServiceBootstrap.environment
        var policy = ScalingPolicy()
        policy.minimumReplicas = try minReplicas ?? environment.integer("AUTOSCALER_MIN_REPLICAS", default: 1, in: 0...1_000)
        policy.maximumReplicas = try maxReplicas ?? environment.optionalInteger("AUTOSCALER_MAX_REPLICAS", in: 1...1_000)
        policy.lagThreshold = Int64(try lagThreshold ?? environment.integer("AUTOSCALER_LAG_THRESHOLD", default: 50_000, in: 1...Int.max))
        policy.activationLagThreshold = Int64(try activationLagThreshold ?? environment.integer("AUTOSCALER_ACTIVATION_LAG_THRESHOLD", default: 0, in: 0...Int.max))
        policy.scaleDownStabilization = .seconds(try scaleDownStabilization ?? environment.integer("AUTOSCALER_SCALE_DOWN_STABILIZATION", default: 60, in: 0...86_400))
        policy.targetDrainTime = try (targetDrainSeconds ?? environment.optionalInteger("AUTOSCALER_TARGET_DRAIN_SECONDS", in: 1...86_400)).map { .seconds($0) }
        policy.evenPartitions = try evenPartitions ?? environment.boolean("AUTOSCALER_EVEN_PARTITIONS", default: false)
        let polling = try pollingInterval ?? environment.integer("AUTOSCALER_POLLING_INTERVAL", default: 5, in: 1...3_600)
        let window = try statusWindow ?? environment.integer("AUTOSCALER_STATUS_WINDOW", default: max(30, 3 * polling), in: 1...86_400)
        // The saturation guard judges a scale-out once its new members joined and the rate window refilled.
        policy.saturationSettleTime = .seconds(window + polling)
        let members = try collectorGroupMembers ?? environment.integer("AUTOSCALER_COLLECTOR_GROUP_MEMBERS", default: 1, in: 1...64)
        guard policy.problems.isEmpty else { throw ValidationError(policy.problems.joined(separator: "; ")) }

        let executable = Self.executablePath
        var common = ["--brokers", kafka.resolvedBrokers, "--topic-prefix", kafka.resolvedPrefix, "--group-members", String(members)]
        if let databaseURL { common += ["--database-url", databaseURL] }
        let groups = sources.enumerated().map { index, source in
            AutoscalerConfiguration.Group(
                source: source.rawValue, group: kafka.collectorGroup(source), topic: kafka.topics[source],
                collector: CollectorCommandLine(
                    executable: executable, arguments: ["collector", "--source", source.rawValue] + common,
                    environment: ProcessInfo.processInfo.environment, preferredPort: 9101 + (EventSource.allCases.firstIndex(of: source) ?? index),
                    membersPerInstance: members))
        }
        var configuration = AutoscalerConfiguration(groups: groups, kafka: KafkaConfiguration(brokers: kafka.resolvedBrokers))
        configuration.policy = policy
        configuration.pollingInterval = .seconds(polling)
        configuration.statusWindow = .seconds(window)
        configuration.scrapeTargetsFile = scrapeTargetsFile ?? environment.optionalString("AUTOSCALER_SCRAPE_TARGETS_FILE")
        configuration.scrapeTargetHost = environment.string("AUTOSCALER_SCRAPE_TARGET_HOST", default: "127.0.0.1")
        return configuration
    }

    /// The autoscaler's `/metrics` and health server (ready while it runs).
    func endpoint(logger: Logger) throws -> some Service {
        let port = try resolvedPort()
        let router = Router()
        router.addHealthRoutes { true }
        router.addMetricsRoute(ServiceBootstrap.registry)
        return Application(router: router, configuration: .init(address: .hostname("0.0.0.0", port: port), serverName: "autoscaler"), logger: logger)
    }

    /// The port of `/metrics` and health.
    func resolvedPort() throws -> Int {
        try port ?? ServiceBootstrap.environment.integer("AUTOSCALER_PORT", default: 9100, in: 0...65_535)
    }

    /// This executable, to start collectors with.
    static var executablePath: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }
}
