import ArgumentParser
import Autoscaler
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

/// `eventplatform up`: the whole platform: the gateway, the reporter and the autoscaler in this process, the
/// collectors as the autoscaler's child processes (scaled by lag, each with its /metrics and health port)
/// and, unless `--no-traffic`, the load generator posting to the gateway. Ctrl-C (SIGINT) or SIGTERM stops
/// it: the gateway stops accepting and its publisher drains, then the reporter, then the autoscaler stops
/// its collectors, which finish and commit their current batch.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run the gateway, the reporter and collectors scaled by lag together, with sample traffic; Ctrl-C stops everything cleanly."
    )

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var gateway: GatewayOptions
    @OptionGroup var load: LoadOptions

    @OptionGroup var reporter: ReporterOptions
    @OptionGroup var autoscaler: AutoscalerOptions

    @Option(help: "Port of the first facebook collector's /metrics; tiktok and app use the next two, further instances free ports; 0 picks free ports for all. (env: COLLECTOR_PORT_BASE, default 9101)")
    var collectorPortBase: Int?

    @Flag(help: "Do not run the load generator.")
    var noTraffic = false

    func run() async throws {
        ServiceBootstrap.start()
        let logger = Logger(label: "up")
        let brokers = kafka.resolvedBrokers
        let reporterConfiguration = try reporter.configuration()
        let database = reporterConfiguration.databaseURL

        // The collectors migrate too, but the reporter answers before they have started.
        try await migrate(database, logger: logger)
        let portBase = try collectorPortBase ?? ServiceBootstrap.environment.integer("COLLECTOR_PORT_BASE", default: 9101, in: 0...65_533)
        let (gatewayConfiguration, publisher) = try await gateway.makeGateway(kafka: kafka, logger: logger)
        let gatewayApp = try buildApplication(
            configuration: gatewayConfiguration, publisher: publisher, registry: ServiceBootstrap.registry, logger: Logger(label: "gateway"))

        var autoscalerConfiguration = try autoscaler.configuration(sources: EventSource.allCases, kafka: kafka, databaseURL: database)
        for index in autoscalerConfiguration.groups.indices {
            autoscalerConfiguration.groups[index].collector.preferredPort = portBase == 0 ? 0 : portBase + index
            // One machine for everything: a webhook's answer goes first, the collectors catch up from Kafka.
            if autoscalerConfiguration.groups[index].collector.environment["COLLECTOR_NICENESS"] == nil {
                autoscalerConfiguration.groups[index].collector.environment["COLLECTOR_NICENESS"] = "10"
            }
        }
        var services: [any Service] = [
            try Autoscaler(configuration: autoscalerConfiguration, logger: Logger(label: "autoscaler")),
            try autoscaler.endpoint(logger: Logger(label: "autoscaler")),
        ]
        let reportsDatabase = PostgresClient(
            configuration: .init(url: reporterConfiguration.connectionURL, maximumConnections: reporterConfiguration.maximumConnections),
            logger: Logger(label: "reporter"))
        services.append(Reporter.buildApplication(
            configuration: reporterConfiguration, client: reportsDatabase, registry: ServiceBootstrap.registry, logger: Logger(label: "reporter")))
        let gatewayURL = "http://127.0.0.1:\(gatewayConfiguration.port)"
        let welcome = Welcome(
            gatewayURL: gatewayURL, reporterURL: "http://127.0.0.1:\(reporterConfiguration.port)",
            autoscalerURL: "http://127.0.0.1:\(try autoscaler.resolvedPort())",
            prometheusURL: ProcessInfo.processInfo.environment["PROMETHEUS_URL"], collectorPortBase: portBase, databaseURL: database)
        var plan = try load.plan()
        plan.client = GatewayLoadClient(baseURL: URL(string: gatewayURL)!, mode: plan.client.mode)
        let traffic = TrafficService(plan: noTraffic ? nil : plan, brokers: brokers, topics: kafka.topics, welcome: welcome)

        // Shutdown runs in reverse order: the traffic first, then the gateway (and its publisher), then the
        // reporter, the autoscaler's endpoint and the autoscaler (which stops its collectors). The traffic may
        // end before the others: that does not stop them.
        services.append(gatewayApp)
        let configurations = services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
            + [.init(service: traffic, successTerminationBehavior: .ignore)]
        let group = ServiceGroup(configuration: .init(services: configurations, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await reportsDatabase.close()
    }

    private func migrate(_ url: String, logger: Logger) async throws {
        let client = PostgresClient(configuration: .init(url: url, maximumConnections: 1), logger: logger)
        do {
            try await SchemaMigrator(client: client, logger: logger).migrate()
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }
}
