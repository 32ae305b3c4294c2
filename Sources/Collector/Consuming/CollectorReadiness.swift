internal import Synchronization

/// Whether a collector is consuming and its database is reachable, for `GET /health/ready`.
final class CollectorReadiness: Sendable {
    private let subscribed = Atomic<Bool>(false)
    private let databaseReachable = Atomic<Bool>(false)

    var isReady: Bool { subscribed.load(ordering: .relaxed) && databaseReachable.load(ordering: .relaxed) }

    func setSubscribed(_ value: Bool) { subscribed.store(value, ordering: .relaxed) }

    func setDatabaseReachable(_ value: Bool) { databaseReachable.store(value, ordering: .relaxed) }
}
