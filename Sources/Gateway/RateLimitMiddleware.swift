import Foundation
import HTTPService
import HTTPTypes
import Hummingbird

/// Answers 429 with `Retry-After` to a client that has used up its token bucket.
///
/// The client is the connection's remote address, unless that is one of the configured trusted proxies
/// (the load balancer): then it is the last address of `X-Forwarded-For` that is not a trusted proxy
/// itself, the one the trusted hops saw. Anyone else can write any address into that header: trusting it
/// let one client take a fresh bucket per request, and flood the bucket table with made-up keys.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let limiter: RateLimiter
    let trustedProxies: Set<String>

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let client = Self.client(
            remoteAddress: context.remoteAddress?.ipAddress, forwardedFor: request.headers[.xForwardedFor], trustedProxies: trustedProxies)
        if case .limited(let retryAfter) = limiter.take(client: client) {
            context.logger.notice("rate limited", metadata: ["client": "\(client)"])
            throw APIError(
                .tooManyRequests, "rate limit exceeded, retry later",
                headers: [.retryAfter: String(retryAfter.wholeSecondsRoundedUp)]
            )
        }
        return try await next(request, context)
    }

    static func client(remoteAddress: String?, forwardedFor: String?, trustedProxies: Set<String>) -> String {
        let remote = remoteAddress ?? "unknown"
        guard trustedProxies.contains(remote), let forwardedFor else { return remote }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return hops.last { !$0.isEmpty && !trustedProxies.contains($0) } ?? remote
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
