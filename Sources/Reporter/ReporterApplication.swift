import HTTPService
import HTTPTypes
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
        router: makeRouter(
            client: client, registry: registry, metrics: ReporterMetrics(factory: metricsFactory),
            cacheTimeToLive: configuration.cacheTimeToLive, distinctUserQueries: configuration.distinctUserQueries,
            gateWait: configuration.statementTimeout),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "eventplatform-reporter"
        ),
        logger: logger
    )
}

/// The reporter's routes; tests drive it with `app.test(.router)`. Answers are kept for
/// `cacheTimeToLive` (zero: every request queries); at most `distinctUserQueries` distinct-user reports
/// query at once, and one that waits longer than `gateWait` for its turn answers 503. `batchRows`: see
/// ``ReportStore/batchRows``.
func makeRouter(
    client: PostgresClient, registry: PrometheusCollectorRegistry, metrics: ReporterMetrics, cacheTimeToLive: Duration = .zero,
    distinctUserQueries: Int = 2, gateWait: Duration = .seconds(5), batchRows: Int = ReportStore.defaultBatchRows
) -> Router<ReporterRequestContext> {
    let store = ReportStore(client: client, batchRows: batchRows)
    let gate = QueryGate(limit: distinctUserQueries)
    let cache = cacheTimeToLive > .zero ? ReportCache(timeToLive: cacheTimeToLive) : nil
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
        router.get(RouterPath(route.path)) { request, context in
            let start = ContinuousClock.now
            do {
                let report: RenderedReport
                if let cache {
                    let (cached, hit) = try await cache.answer(for: cacheKey(route, request: request)) {
                        try await answer(route, request: request, store: store, gate: gate, gateWait: gateWait)
                    }
                    report = cached
                    metrics.recordCache(route, hit: hit)
                } else {
                    report = try await answer(route, request: request, store: store, gate: gate, gateWait: gateWait)
                }
                metrics.record(route, status: 200, duration: ContinuousClock.now - start)
                var headers: HTTPFields = [.contentType: report.contentType]
                if let dataAsOf = report.dataAsOf { headers[.dataAsOf] = dataAsOf }
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: report.body))
            } catch let error as any HTTPResponseError {
                metrics.record(route, status: Int(error.status.code), duration: ContinuousClock.now - start)
                throw error
            } catch let error as PostgresError where unavailable(error) != nil {
                let answer = unavailable(error)!
                context.logger.warning("report not answered", metadata: ["error": "\(error)"])
                metrics.record(route, status: Int(answer.status.code), duration: ContinuousClock.now - start)
                throw answer
            } catch {
                // The correlation middleware logs it and answers 500 without internals.
                metrics.record(route, status: 500, duration: ContinuousClock.now - start)
                throw error
            }
        }
    }
    // Every path answers GET only: another method is 405 naming the allowed one (RFC 9110), not 404.
    let paths = ReportRoute.allCases.map(\.path) + ["/openapi.yaml", "/health/live", "/health/ready", "/metrics"]
    for path in paths {
        for method in [HTTPRequest.Method.post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!] {
            router.on(RouterPath(path), method: method) { _, _ -> Response in
                throw APIError(.methodNotAllowed, "\(path) answers GET only", headers: [.allow: "GET"])
            }
        }
    }
    return router
}

/// The 503 for a database that is down or a query cut off by the statement timeout: the client may retry
/// (a narrower range runs shorter); nil for errors that are the reporter's own (500).
private func unavailable(_ error: PostgresError) -> APIError? {
    if error.sqlState == "57014" {
        return APIError(.serviceUnavailable, "the report query ran longer than the statement timeout; retry later or narrow the range",
                        headers: [.retryAfter: "5"])
    }
    if error.code == .connectionFailed || error.code == .connectionClosed {
        return APIError(.serviceUnavailable, "the database is unavailable; retry later", headers: [.retryAfter: "5"])
    }
    return nil
}

/// Identical requests share a key: the route, the query parameters in name order and the format asked for.
private func cacheKey(_ route: ReportRoute, request: Request) -> String {
    let query = request.uri.queryParameters.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "&")
    return "\(route.rawValue)?\(query)|\(ReportAnswer.prefersCSV(request.headers[.accept] ?? "") ? "csv" : "json")"
}

/// The answer to one report request: parameters checked first (a 400 never touches the database or waits
/// at the gate); the reports that count distinct users over their range query through `gate`.
private func answer(
    _ route: ReportRoute, request: Request, store: ReportStore, gate: QueryGate, gateWait: Duration
) async throws -> RenderedReport {
    let query = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
    func parameters() throws -> ReportParameters { try ReportParameters(query: query, route: route) }
    func gated<T: Sendable>(_ read: () async throws -> T) async throws -> T {
        do {
            return try await gate.withPermit(waitingAtMost: gateWait, read)
        } catch is QueryGate.Busy {
            throw APIError(.serviceUnavailable, "too many distinct-user reports are running; retry later", headers: [.retryAfter: "5"])
        }
    }
    // Read before the report: the report is then at least as complete as it says.
    func dataAsOf() async throws -> String? { ReportAnswer.dataAsOfText(try await store.dataAsOf()) }
    switch route {
    case .events:
        let parameters = try parameters()
        let asOf = try await dataAsOf()
        let events = ReportAnswer.Events(try await store.eventCounts(parameters), grouped: parameters.groupBy != nil)
        return try ReportAnswer.rendered(ReportAnswer.Stamped(answer: events, dataAsOf: asOf), to: request, dataAsOf: asOf)
    case .revenue:
        let parameters = try parameters()
        let asOf = try await dataAsOf()
        let revenue = ReportAnswer.Revenue(try await store.revenue(parameters), grouped: parameters.groupBy != nil)
        return try ReportAnswer.rendered(ReportAnswer.Stamped(answer: revenue, dataAsOf: asOf), to: request, dataAsOf: asOf)
    case .topEvents:
        let parameters = try parameters()
        let asOf = try await dataAsOf()
        return try ReportAnswer.rendered(try await store.topEvents(parameters).map {
            ReportAnswer.EventTypeCount(eventType: $0.key ?? "", count: $0.value)
        }, to: request, dataAsOf: asOf)
    case .funnel:
        let parameters = try parameters()
        let asOf = try await dataAsOf()
        let funnel = ReportAnswer.Funnel(try await gated { try await store.funnel(parameters) })
        return try ReportAnswer.rendered(ReportAnswer.Stamped(answer: funnel, dataAsOf: asOf), to: request, dataAsOf: asOf)
    case .demographics:
        let parameters = try parameters()
        let asOf = try await dataAsOf()
        let demographics = ReportAnswer.Demographics(try await gated { try await store.demographics(parameters) }, source: parameters.source)
        return try ReportAnswer.rendered(ReportAnswer.Stamped(answer: demographics, dataAsOf: asOf), to: request, dataAsOf: asOf)
    case .dau:
        let parameters = try parameters()
        let asOf = try await dataAsOf()
        return try ReportAnswer.rendered(try await gated { try await store.dailyActiveUsers(parameters) }.map {
            ReportAnswer.DailyUsers(date: $0.key ?? "", uniqueUsers: $0.value)
        }, to: request, dataAsOf: asOf)
    case .retention:
        let parameters = try RetentionParameters(query: query)
        let asOf = try await dataAsOf()
        return try ReportAnswer.rendered(
            RetentionTable(cohorts: try await gated { try await store.retention(parameters) }.map(ReportAnswer.Retention.init)),
            to: request, dataAsOf: asOf)
    }
}

extension HTTPField.Name {
    /// Up to when every collector group had stored what Kafka held, for the data an answer was computed from.
    static let dataAsOf = HTTPField.Name("Data-As-Of")!
}
