import Foundation
import HTTPService
import HTTPTypes
import Hummingbird

/// Answers 429 with `Retry-After` to a client that has used up its token bucket.
///
/// The client is the first address of `X-Forwarded-For` (the gateway is meant to run behind a load
/// balancer that sets it), or the connection's remote address. A client can claim any address in that
/// header, so this protects against accidents and misbehaving senders, not a determined attacker: that
/// is the load balancer's job.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let limiter: RateLimiter

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let client = Self.client(of: request, context: context)
        if case .limited(let retryAfter) = limiter.take(client: client) {
            context.logger.notice("rate limited", metadata: ["client": "\(client)"])
            throw APIError(
                .tooManyRequests, "rate limit exceeded, retry later",
                headers: [.retryAfter: String(retryAfter.wholeSecondsRoundedUp)]
            )
        }
        return try await next(request, context)
    }

    static func client(of request: Request, context: Context) -> String {
        if let forwarded = request.headers[.xForwardedFor] {
            let first = forwarded.split(separator: ",", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces) ?? ""
            if !first.isEmpty { return first }
        }
        return context.remoteAddress?.ipAddress ?? "unknown"
    }
}

extension HTTPField.Name {
    static var xForwardedFor: Self { Self("x-forwarded-for")! }
}

extension Duration {
    /// At least 1: a `Retry-After` of 0 would invite an immediate retry.
    var wholeSecondsRoundedUp: Int64 {
        let (seconds, attoseconds) = components
        return max(1, seconds + (attoseconds > 0 ? 1 : 0))
    }
}
