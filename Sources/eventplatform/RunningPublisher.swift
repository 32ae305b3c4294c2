import EventPublisher
import Logging
import ServiceLifecycle

/// Runs a publisher as a service for the duration of `body`, then shuts it down gracefully
/// (so every pending delivery completes) before returning.
func withRunningPublisher<T: Sendable>(
    _ configuration: PublisherConfiguration,
    logger: Logger,
    _ body: @Sendable (Publisher) async throws -> T
) async throws -> T {
    let publisher = try Publisher(configuration: configuration, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        let services = ServiceGroup(services: [publisher], gracefulShutdownSignals: [], logger: logger)
        group.addTask { try await services.run() }
        do {
            let result = try await body(publisher)
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return result
        } catch {
            await services.triggerGracefulShutdown()
            try? await group.waitForAll()
            throw error
        }
    }
}
