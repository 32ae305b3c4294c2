import ArgumentParser
import Collector
import EventModel
import Foundation
import Gateway
import HTTPService
import Hummingbird
import Logging
import Postgres
import Reporter
import ServiceLifecycle

/// `eventplatform up`: the whole platform in one process: the gateway, the reporter, one collector per source (each
/// with its /metrics and health port) and, unless `--no-traffic`, the load generator posting to the
/// gateway. Ctrl-C (SIGINT) or SIGTERM stops it: the gateway stops accepting and its publisher drains,
/// then the collectors finish and commit their current batch.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run the gateway, a collector per source and the reporter together, with sample traffic; Ctrl-C stops everything cleanly."
    )

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var load: LoadOptions

    @OptionGroup var reporter: ReporterOptions

    @Option(help: "Port of the facebook collector's /metrics; tiktok and app use the next two; 0 picks free ports. (env: COLLECTOR_PORT_BASE, default 9101)")
    var collectorPortBase: Int?

    @Flag(help: "Do not run the load generator.")
    var noTraffic = false

    func run() async throws {
        ServiceBootstrap.start()
        let logger = Logger(label: "up")
        let brokers = kafka.resolvedBrokers
        let reporterConfiguration = try reporter.configuration()
        let database = reporterConfiguration.databaseURL

        let portBase = try collectorPortBase ?? ServiceBootstrap.environment.integer("COLLECTOR_PORT_BASE", default: 9101, in: 0...65_533)
        let (gatewayConfiguration, publisher) = try await gateway.makeGateway(kafka: kafka, logger: logger)
        let gatewayApp = try buildApplication(
            configuration: gatewayConfiguration, publisher: publisher, registry: ServiceBootstrap.registry, logger: Logger(label: "gateway"))

        var collectors: [any Service] = []
        var services: [any Service] = []
        for (index, source) in EventSource.allCases.enumerated() {
            var configuration = CollectorConfiguration(source: source)
            configuration.brokers = brokers
            configuration.databaseURL = database
            configuration.groupID = kafka.collectorGroup(source)
            configuration.metricsPort = portBase == 0 ? 0 : portBase + index
            configuration.topic = gatewayConfiguration.topics[source]
            configuration.deadLetterTopic = gatewayConfiguration.topics.deadLetter
            let collector = Collector(configuration: configuration, logger: Logger(label: "collector-\(source.rawValue)"))
            collectors.append(collector)
            services.append(collectorEndpoint(collector, port: configuration.metricsPort))
        }
        services.insert(ConcurrentServices(services: collectors), at: 0)
        let reportsDatabase = PostgresClient(
            configuration: .init(url: reporterConfiguration.connectionURL, maximumConnections: reporterConfiguration.maximumConnections),
            logger: Logger(label: "reporter"))
        services.append(Reporter.buildApplication(
            configuration: reporterConfiguration, client: reportsDatabase, registry: ServiceBootstrap.registry, logger: Logger(label: "reporter")))
        let gatewayURL = "http://127.0.0.1:\(gatewayConfiguration.port)"
        let welcome = Welcome(
            gatewayURL: gatewayURL, reporterURL: "http://127.0.0.1:\(reporterConfiguration.port)",
            collectorPortBase: portBase, databaseURL: database)
        var plan = try load.plan()
        plan.client = GatewayLoadClient(baseURL: URL(string: gatewayURL)!, mode: plan.client.mode)
        let traffic = TrafficService(plan: noTraffic ? nil : plan, brokers: brokers, topics: kafka.topics, welcome: welcome)

        // Shutdown runs in reverse order: the traffic first, then the gateway (and its publisher), then the
        // reporter, the collectors' endpoints and the collectors (together). The traffic may end before the
        // others: that does not stop them.
        services.append(gatewayApp)
        let configurations = services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
            + [.init(service: traffic, successTerminationBehavior: .ignore)]
        let group = ServiceGroup(configuration: .init(services: configurations, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await reportsDatabase.close()
    }

    /// A collector's `/metrics` and health server on its own port (metrics of the whole process).
    private func collectorEndpoint(_ collector: Collector, port: Int) -> some Service {
        let router = Router()
        router.addHealthRoutes { collector.isReady }
        router.addMetricsRoute(ServiceBootstrap.registry)
        return Application(router: router, configuration: .init(address: .hostname("0.0.0.0", port: port), serverName: "collector"))
    }
}
