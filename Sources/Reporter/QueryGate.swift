import Synchronization

/// At most `limit` bodies at a time; the others wait their turn, first come first served, for a bounded time.
///
/// The reports that count distinct users over a range scan many rows; left alone, a handful of them
/// take every connection of the pool and the cheap reports queue behind them for seconds. The gate
/// keeps them to a few at a time, so the other connections stay free for the cheap ones; a request that
/// cannot get in within its wait is told to come back later rather than queueing without end.
final class QueryGate: Sendable {
    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var available: Int
        var waiters: [Waiter] = []
        var nextID = 0
    }

    /// A body that did not get its turn within the wait.
    struct Busy: Error {}

    private let state: Mutex<State>

    init(limit: Int) {
        state = Mutex(State(available: max(1, limit)))
    }

    /// Runs `body` once a permit is free; throws ``Busy`` when none was within `wait`.
    func withPermit<T: Sendable>(waitingAtMost wait: Duration, _ body: () async throws -> T) async throws -> T {
        try await acquire(waitingAtMost: wait)
        defer { release() }
        return try await body()
    }

    private func acquire(waitingAtMost wait: Duration) async throws {
        let granted = state.withLock { state -> Bool in
            guard state.available > 0 else { return false }
            state.available -= 1
            return true
        }
        if granted { return }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await self.waitForTurn(); return true }
            group.addTask { try await Task.sleep(for: wait); return false }
            let first = try await group.next()!
            group.cancelAll()
            if first { return }
            // Timed out; the turn may still have come meanwhile: then the permit is ours.
            do {
                if try await group.next() == true { return }
            } catch is CancellationError {}
            throw Busy()
        }
    }

    /// Waits in line for a permit; leaves the line when its task is cancelled.
    private func waitForTurn() async throws {
        let id = state.withLock { state -> Int in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if state.available > 0 {
                        state.available -= 1
                        return .success(())
                    }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    private func release() {
        let next = state.withLock { state -> Waiter? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.continuation.resume()
    }
}
