internal import Logging

/// Exponential backoff between attempts: `initial`, doubled per failure, at most `maximum`.
struct RetryPolicy: Sendable {
    var initial: Duration
    var maximum: Duration

    /// The pause after `failures` consecutive failures (1 for the first).
    func delay(afterFailures failures: Int) -> Duration {
        var delay = initial
        for _ in 1..<max(1, failures) {
            delay *= 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }

    /// Runs `operation` until it succeeds, pausing between failures, while `shouldContinue` holds.
    /// Returns false when it gave up because `shouldContinue` turned false.
    ///
    /// - Throws: `CancellationError` when the task is cancelled.
    func untilSuccess(
        while shouldContinue: () -> Bool,
        logger: Logger,
        _ what: String,
        _ operation: () async throws -> Void
    ) async throws -> Bool {
        var failures = 0
        while shouldContinue() {
            try Task.checkCancellation()
            do {
                try await operation()
                if failures > 0 { logger.info("succeeded after \(failures) failed attempts to \(what)") }
                return true
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failures += 1
                let delay = delay(afterFailures: failures)
                logger.warning("could not \(what); retrying", metadata: ["error": "\(error)", "retry.delay": "\(delay)"])
                try await Task.sleep(for: delay)
            }
        }
        return false
    }
}
