/// Polls `condition` every `interval` until it holds or `timeout` passes; returns whether it held. An
/// error counts as "not yet" (a server may be restarting), so only the last attempt's error is thrown.
/// Tests wait with this instead of sleeping for a guessed time.
public func eventually(
    timeout: Duration = .seconds(120),
    every interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
