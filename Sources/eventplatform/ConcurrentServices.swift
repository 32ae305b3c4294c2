import ServiceLifecycle

/// Services run as one: a graceful shutdown reaches all of them at once, where a `ServiceGroup` stops its
/// services one after another. `up` runs its collectors this way, since each takes a few seconds to
/// leave its consumer group. `run()` returns when every service has returned; one that throws cancels the rest.
struct ConcurrentServices: Service {
    let services: [any Service]

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for service in services {
                group.addTask { try await service.run() }
            }
        }
    }
}
