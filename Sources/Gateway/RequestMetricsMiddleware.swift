import HTTPService
import Hummingbird

/// Counts every answered request by route and status, and times it (`gateway_requests_total`,
/// `gateway_request_duration_seconds`).
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let metrics: GatewayMetrics

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let status: Int
        let response: Response
        do {
            response = try await next(request, context)
            status = response.status.code
        } catch let error as any HTTPResponseError {
            status = error.status.code
            record(context, status: status, since: start)
            throw error
        } catch {
            record(context, status: 500, since: start)
            throw error
        }
        record(context, status: status, since: start)
        return response
    }

    private func record(_ context: Context, status: Int, since start: ContinuousClock.Instant) {
        // The router fills in the matched route's pattern as it routes; unmatched paths share one label.
        metrics.request(route: context.endpointPath ?? "unmatched", status: status, duration: .now - start)
    }
}
