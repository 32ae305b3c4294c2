public import EventPublisher
import HTTPService
public import Hummingbird
public import Logging
public import Metrics
import NIOCore
public import Prometheus

/// Builds the gateway's HTTP application (contract section 2): the event routes, `/health/live`,
/// `/health/ready` and `/metrics`.
///
/// The application runs `publisher` as one of its services, so do not run the publisher elsewhere:
/// run the application, e.g. `try await app.runService()` or as a service of a `ServiceGroup`. On
/// graceful shutdown the HTTP server stops first (it stops accepting connections and finishes the
/// requests in flight, which wait for their acknowledgements), and only then is the publisher shut
/// down, flushing and waiting for whatever it still holds: Hummingbird shuts its services down in the
/// reverse order of `[publisher, server]`.
///
/// - Parameters:
///   - configuration: the gateway's settings; topics are expected to exist (``GatewayTopics/createMissing(brokers:partitions:logger:)``).
///   - publisher: the publisher to send events with; readiness checks its brokers and its producer.
///   - registry: the registry `/metrics` serves.
///   - metricsFactory: where the gateway's metrics go; the executable passes the factory over `registry`
///     (or bootstraps the metrics system with it and keeps the default).
///   - logger: the application's logger; request logs add `correlation_id`.
public func buildApplication(
    configuration: GatewayConfiguration,
    publisher: Publisher,
    registry: PrometheusCollectorRegistry,
    metricsFactory: any MetricsFactory = MetricsSystem.factory,
    logger: Logger
) throws -> some ApplicationProtocol {
    try makeApplication(
        configuration: configuration, publisher: publisher, registry: registry, metricsFactory: metricsFactory, logger: logger)
}

/// ``buildApplication(configuration:publisher:registry:metricsFactory:logger:)``, told the bound
/// channel once the server listens (the benchmark listens on port 0 and needs the real port).
func makeApplication(
    configuration: GatewayConfiguration,
    publisher: Publisher,
    registry: PrometheusCollectorRegistry,
    metricsFactory: any MetricsFactory,
    logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> Application<RouterResponder<GatewayRequestContext>> {
    try configuration.validate()
    let metrics = GatewayMetrics(factory: metricsFactory)
    let readiness = try KafkaReadiness(
        publisher: publisher,
        topics: configuration.topics.all,
        cacheDuration: configuration.readinessCacheDuration,
        logger: logger
    )
    let ingestor = EventIngestor(
        configuration: configuration, publisher: publisher, metrics: metrics,
        bodyBudget: BodyMemoryBudget(capacity: configuration.maximumBodyMemory, gauge: metrics.bodyMemory))

    let router = Router(context: GatewayRequestContext.self)
    router.middlewares.add(CorrelationIDMiddleware<GatewayRequestContext>())
    router.middlewares.add(RequestMetricsMiddleware(metrics: metrics))
    router.addHealthRoutes { await readiness.isReady() }
    router.addMetricsRoute(registry)

    let events = router.group()
    if let rateLimit = configuration.rateLimit {
        events.add(middleware: RateLimitMiddleware(limiter: RateLimiter(rateLimit), trustedProxies: rateLimit.trustedProxies))
    }
    for route in IngestRoute.allCases {
        events.post(RouterPath(route.path)) { request, context in
            try await ingestor.ingest(request, context: context, route: route)
        }
    }

    return Application(
        router: router,
        server: .http1(configuration: .init(
            additionalChannelHandlers: [
                ExpectContinueHandler(), RequestBodyDeadlineHandler(timeout: TimeAmount(configuration.requestTimeout)),
            ],
            idleTimeout: TimeAmount(configuration.idleTimeout))),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "eventplatform-gateway"
        ),
        services: [publisher],
        onServerRunning: onServerRunning,
        logger: logger
    )
}

extension TimeAmount {
    /// `duration`, to the nanosecond.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
