import Foundation
import Synchronization

/// A thread of its own that serves a librdkafka queue until stopped, then drains it.
///
/// librdkafka's polling blocks; running it here keeps it off Swift's cooperative pool.
final class PollLoop: Sendable {
    /// The work of one loop: `poll(timeoutMs)` serves at most one event and says whether it found one;
    /// `finish` releases what `poll` used. Built on the loop's thread, so its state stays there.
    struct Iteration {
        var poll: (Int32) -> Bool
        var finish: () -> Void
    }

    private enum State {
        case running
        case stopping([CheckedContinuation<Void, Never>])
        case stopped
    }

    /// Shared by the caller and the loop's thread.
    private final class Shared: Sendable {
        let state = Mutex<State>(.running)
        let finished = DispatchSemaphore(value: 0)

        var isRunning: Bool {
            state.withLock { if case .running = $0 { true } else { false } }
        }
    }

    private let shared = Shared()

    init(name: String, makeIteration: @escaping @Sendable () -> Iteration) {
        let shared = self.shared
        let thread = Thread {
            let iteration = makeIteration()
            while shared.isRunning {
                _ = iteration.poll(100)
            }
            // Serve what is already queued (e.g. the last delivery reports) before leaving.
            while iteration.poll(0) {}
            iteration.finish()
            let waiters = shared.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                defer { state = .stopped }
                if case .stopping(let waiters) = state { return waiters }
                return []
            }
            for waiter in waiters { waiter.resume() }
            shared.finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Asks the loop to stop and waits until it has drained its queue.
    func stop() async {
        await withCheckedContinuation { continuation in
            let alreadyStopped = shared.state.withLock { state -> Bool in
                switch state {
                case .running:
                    state = .stopping([continuation])
                    return false
                case .stopping(let waiters):
                    state = .stopping(waiters + [continuation])
                    return false
                case .stopped:
                    return true
                }
            }
            if alreadyStopped { continuation.resume() }
        }
    }

    /// For deinit: stops the loop and blocks until it has finished (quick: at most one poll timeout).
    func stopAndWait() {
        let wasRunning = shared.state.withLock { state -> Bool in
            switch state {
            case .running:
                state = .stopping([])
                return true
            case .stopping:
                return true
            case .stopped:
                return false
            }
        }
        if wasRunning { shared.finished.wait() }
    }
}
