import HTTPService
public import Hummingbird
public import Logging
public import Metrics
public import Postgres
public import Prometheus

/// Builds the reporter's HTTP application (contract section 5): the report routes over the
/// collectors' aggregates, `/openapi.yaml`, `/health/live`, `/health/ready` and `/metrics`.
///
/// - Parameters:
///   - configuration: the reporter's settings.
///   - client: the pool to read with; give it ``ReporterConfiguration/connectionURL`` so that
///     every query is bounded. The caller closes it after the application stopped.
///   - registry: the registry `/metrics` serves.
///   - metricsFactory: where the reporter's metrics go.
///   - logger: the application's logger; request logs add `correlation_id`.
public func buildApplication(
    configuration: ReporterConfiguration,
    client: PostgresClient,
    registry: PrometheusCollectorRegistry,
    metricsFactory: any MetricsFactory = MetricsSystem.factory,
    logger: Logger
) -> some ApplicationProtocol {
    Application(
        router: makeRouter(client: client, registry: registry, metrics: ReporterMetrics(factory: metricsFactory)),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "eventplatform-reporter"
        ),
        logger: logger
    )
}

/// The reporter's routes; tests drive it with `app.test(.router)`.
func makeRouter(client: PostgresClient, registry: PrometheusCollectorRegistry, metrics: ReporterMetrics) -> Router<ReporterRequestContext> {
    let store = ReportStore(client: client)
    let router = Router(context: ReporterRequestContext.self)
    router.middlewares.add(CorrelationIDMiddleware<ReporterRequestContext>())
    router.addHealthRoutes {
        (try? await client.query("SELECT 1")) != nil
    }
    router.addMetricsRoute(registry)
    router.get("/openapi.yaml") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "application/yaml"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml))
        )
    }
    for route in ReportRoute.allCases {
        router.get(RouterPath(route.path)) { request, _ in
            let start = ContinuousClock.now
            do {
                let response = try await answer(route, request: request, store: store)
                metrics.record(route, status: Int(response.status.code), duration: ContinuousClock.now - start)
                return response
            } catch let error as any HTTPResponseError {
                metrics.record(route, status: Int(error.status.code), duration: ContinuousClock.now - start)
                throw error
            } catch {
                // The correlation middleware logs it and answers 500 without internals.
                metrics.record(route, status: 500, duration: ContinuousClock.now - start)
                throw error
            }
        }
    }
    return router
}

/// The answer to one report request: parameters checked first (a 400 never touches the database).
private func answer(_ route: ReportRoute, request: Request, store: ReportStore) async throws -> Response {
    let query = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
    func parameters() throws -> ReportParameters { try ReportParameters(query: query, route: route) }
    switch route {
    case .events:
        let parameters = try parameters()
        return try ReportAnswer.response(
            ReportAnswer.Events(try await store.eventCounts(parameters), grouped: parameters.groupBy != nil), to: request)
    case .revenue:
        let parameters = try parameters()
        return try ReportAnswer.response(
            ReportAnswer.Revenue(try await store.revenue(parameters), grouped: parameters.groupBy != nil), to: request)
    case .funnel:
        return try ReportAnswer.response(ReportAnswer.Funnel(try await store.funnel(parameters())), to: request)
    case .demographics:
        let parameters = try parameters()
        return try ReportAnswer.response(
            ReportAnswer.Demographics(try await store.demographics(parameters), source: parameters.source), to: request)
    case .dau:
        return try ReportAnswer.response(try await store.dailyActiveUsers(parameters()).map {
            ReportAnswer.DailyUsers(date: $0.key ?? "", uniqueUsers: $0.value)
        }, to: request)
    case .topEvents:
        return try ReportAnswer.response(try await store.topEvents(parameters()).map {
            ReportAnswer.EventTypeCount(eventType: $0.key ?? "", count: $0.value)
        }, to: request)
    case .retention:
        return try ReportAnswer.response(
            RetentionTable(cohorts: try await store.retention(RetentionParameters(query: query)).map(ReportAnswer.Retention.init)), to: request)
    }
}
