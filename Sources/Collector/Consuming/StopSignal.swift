internal import Synchronization

/// Set once when a graceful shutdown begins; the collector's loop checks it between polls.
final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    var isSet: Bool { flag.load(ordering: .acquiring) }

    func set() { flag.store(true, ordering: .releasing) }
}
