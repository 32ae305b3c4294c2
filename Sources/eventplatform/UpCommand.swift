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
import Synchronization

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
            services.append(collector)
            services.append(collectorEndpoint(collector, port: configuration.metricsPort))
        }
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
        // reporter and the collectors. The traffic may end before the others: that does not stop them.
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

/// Set once, read from any task: tells the load generator that the platform is shutting down.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// What `up` prints once the gateway serves: the URLs and example requests.
struct Welcome: Sendable {
    var gatewayURL: String
    var reporterURL: String
    var collectorPortBase: Int
    var databaseURL: String

    func print() {
        let collectors = collectorPortBase == 0
            ? "free ports (see the log lines)"
            : "http://127.0.0.1:\(collectorPortBase)/metrics (facebook), :\(collectorPortBase + 1) (tiktok), :\(collectorPortBase + 2) (app)"
        Swift.print("""

        eventplatform is up
          gateway     \(gatewayURL)   (POST /webhook/events, /webhook/events/bulk, /events; /health/ready; /metrics)
          reporter    \(reporterURL)   (/reports/events, /reports/revenue, /reports/demographics, /reports/funnel, /stats/dau, /stats/top-events, /stats/retention, /openapi.yaml)
          collectors  \(collectors)
          database    \(databaseURL)

        Reports over the sample traffic (its events fall in December 2025):
          curl -s '\(reporterURL)/reports/events?from=2025-12-01&to=2025-12-31&groupBy=source'
          curl -s '\(reporterURL)/reports/revenue?from=2025-12-01&to=2025-12-31&groupBy=source'
          curl -s '\(reporterURL)/stats/dau?from=2025-12-25&to=2025-12-31&segment=country:UA'
        Post an event:
          curl -s -X POST \(gatewayURL)/events -H 'content-type: application/json' \\
            -d '{"events":[{"event_id":"123e4567-e89b-12d3-a456-426614174000","occurred_at":"2025-01-15T12:00:00Z","user_id":"user_123","event_type":"page_view","properties":{"country":"UA"}}]}'

        """)
    }
}

/// The load generator as a service of `up`: waits until the gateway serves, prints the welcome, then
/// sends its plan. On Ctrl-C it is the first to stop: it sends nothing more, while requests in flight
/// still get their answer from the draining gateway, so the summary's accepted count is exact.
struct TrafficService: Service {
    var plan: LoadPlan?
    var brokers: String
    var topics: GatewayTopics
    var welcome: Welcome

    func run() async throws {
        try await waitUntilServing(URL(string: "\(welcome.gatewayURL)/health/live")!)
        welcome.print()
        guard let plan else { return }
        let stop = StopFlag()
        let report = LoadReport()
        try await withGracefulShutdownHandler {
            try await plan.run(brokers: brokers, topics: topics, report: report, stop: stop) { print("traffic: \($0)") }
        } onGracefulShutdown: {
            stop.set()
        }
        if stop.isSet {
            print("traffic stopped: \(report.summary)")
        } else {
            print("traffic done: \(report.summary)")
            print("the platform keeps running; Ctrl-C stops it")
        }
    }

    private func waitUntilServing(_ url: URL) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if await GatewayLoadClient.isServing(url) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("the gateway did not start serving at \(url)")
    }
}
