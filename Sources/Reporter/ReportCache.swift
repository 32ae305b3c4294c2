import NIOCore
import Synchronization

/// Answers of identical report requests, kept for a short time so that many dashboards asking the same
/// question cost one query.
///
/// An answer is served for `timeToLive` after its query finished. When it expires, the next request runs
/// the query again; requests meanwhile get the expired answer at once rather than queueing behind that
/// query, so an answer is at most `timeToLive` plus one query's duration behind the aggregates. Requests
/// for an answer that was never computed wait for the one query running for it. Errors are not kept (the
/// expired answer is dropped then too). At most `capacity` answers of at most `maximumBytes` together are
/// kept, expired ones going first; an answer larger than `maximumAnswerBytes` is shared with the requests
/// waiting for it but not kept (a year of hourly groups, or every cohort since 1970, would otherwise sit
/// in memory a thousand times).
final class ReportCache: Sendable {
    let timeToLive: Duration
    let capacity: Int
    let maximumBytes: Int
    let maximumAnswerBytes: Int
    private let state = Mutex<[String: Entry]>([:])

    private enum Entry {
        case ready(RenderedReport, expires: ContinuousClock.Instant)
        /// A query runs; `previous` is the expired answer it replaces, served meanwhile.
        case computing(previous: RenderedReport?, waiters: [CheckedContinuation<RenderedReport, any Error>])
    }

    private enum Lookup {
        case hit(RenderedReport)
        case wait
        case compute
    }

    init(timeToLive: Duration, capacity: Int = 1_024, maximumBytes: Int = 64 * 1024 * 1024, maximumAnswerBytes: Int = 1024 * 1024) {
        self.timeToLive = timeToLive
        self.capacity = capacity
        self.maximumBytes = maximumBytes
        self.maximumAnswerBytes = maximumAnswerBytes
    }

    /// The answer for `key`: kept, being computed by another request, or computed now with `compute`.
    /// `hit` is false only for the request that ran the query.
    func answer(for key: String, compute: () async throws -> RenderedReport) async throws -> (report: RenderedReport, hit: Bool) {
        while true {
            let now = ContinuousClock.now
            let lookup = state.withLock { entries -> Lookup in
                switch entries[key] {
                case .ready(let report, let expires) where expires > now: return .hit(report)
                case .computing(let previous?, _): return .hit(previous)
                case .computing(nil, _): return .wait
                case .ready(let expired, _):
                    entries[key] = .computing(previous: expired, waiters: [])
                    return .compute
                case nil:
                    entries[key] = .computing(previous: nil, waiters: [])
                    return .compute
                }
            }
            switch lookup {
            case .hit(let report):
                return (report, true)
            case .wait:
                if let report = try await waitForComputation(of: key) { return (report, true) }
            case .compute:
                return (try await computeAndShare(key, compute), false)
            }
        }
    }

    /// Waits for the request computing `key`; nil when it finished before this one could wait (look again).
    private func waitForComputation(of key: String) async throws -> RenderedReport? {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let registered = state.withLock { entries in
                    guard case .computing(let previous, var waiters) = entries[key] else { return false }
                    waiters.append(continuation)
                    entries[key] = .computing(previous: previous, waiters: waiters)
                    return true
                }
                if !registered { continuation.resume(throwing: FinishedBeforeWaiting()) }
            }
        } catch is FinishedBeforeWaiting {
            return nil
        }
    }

    private struct FinishedBeforeWaiting: Error {}

    private func computeAndShare(_ key: String, _ compute: () async throws -> RenderedReport) async throws -> RenderedReport {
        let result: Result<RenderedReport, any Error>
        do {
            result = .success(try await compute())
        } catch {
            result = .failure(error)
        }
        let waiters = state.withLock { entries -> [CheckedContinuation<RenderedReport, any Error>] in
            guard case .computing(_, let waiters) = entries[key] else { return [] }
            switch result {
            case .success(let report) where report.body.readableBytes <= maximumAnswerBytes:
                entries[key] = .ready(report, expires: .now + timeToLive)
                evictIfFull(&entries)
            case .success:
                entries[key] = nil
            case .failure:
                entries[key] = nil
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
        return try result.get()
    }

    private func evictIfFull(_ entries: inout [String: Entry]) {
        var bytes = Self.bytes(of: entries)
        guard entries.count > capacity || bytes > maximumBytes else { return }
        let now = ContinuousClock.now
        let expired = entries.compactMap { key, entry -> String? in
            if case .ready(_, let expires) = entry, expires <= now { return key }
            return nil
        }
        for key in expired { entries[key] = nil }
        bytes = Self.bytes(of: entries)
        // Still full: drop the answers that expire soonest.
        let ready = entries.compactMap { key, entry -> (key: String, expires: ContinuousClock.Instant, bytes: Int)? in
            if case .ready(let report, let expires) = entry { return (key, expires, report.body.readableBytes) }
            return nil
        }.sorted { $0.expires < $1.expires }
        for answer in ready where entries.count > capacity || bytes > maximumBytes {
            entries[answer.key] = nil
            bytes -= answer.bytes
        }
    }

    /// The bytes of the answers kept.
    private static func bytes(of entries: [String: Entry]) -> Int {
        entries.values.reduce(0) { total, entry in
            guard case .ready(let report, _) = entry else { return total }
            return total + report.body.readableBytes
        }
    }
}

/// A report rendered for the client: its content type and body, ready to be sent or kept.
struct RenderedReport: Sendable {
    var contentType: String
    var body: ByteBuffer
    /// The answer's `Data-As-Of` header: up to when the data it was computed from is complete.
    var dataAsOf: String?
}
