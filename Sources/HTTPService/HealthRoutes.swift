public import Hummingbird

extension Router {
    /// `GET /health/live` (200 while the process serves) and `GET /health/ready` (200 only when
    /// `isReady` says the service's dependencies are usable, 503 otherwise).
    public func addHealthRoutes(isReady: @escaping @Sendable () async -> Bool) {
        get("/health/live") { _, _ in Response(status: .ok) }
        get("/health/ready") { _, _ in Response(status: await isReady() ? .ok : .serviceUnavailable) }
    }
}
