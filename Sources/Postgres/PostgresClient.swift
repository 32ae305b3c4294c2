public import Logging
internal import Synchronization

/// A small pool of ``PostgresConnection``s to one database.
///
/// Connections are opened on demand, up to ``Configuration/maximumConnections``, and reused. When all are
/// busy, callers wait (cancellably) for one to be released. A connection that broke (the server went away)
/// or that is returned inside a transaction is closed instead of reused, and an idle connection the server
/// ended meanwhile is noticed before it is handed out; a new one is opened on the next demand, so a database
/// restart costs the statements that were running, not the client nor the statements after it.
///
/// ```swift
/// let client = PostgresClient(configuration: .init(url: databaseURL), logger: logger)
/// let count = try await client.execute("DELETE FROM events WHERE at < \(cutoff)")
/// try await client.withTransaction { connection in ... }
/// await client.close()
/// ```
public final class PostgresClient: Sendable {
    /// How the client connects and how many connections it may hold.
    public struct Configuration: Sendable {
        /// The database, as a `postgres://` URL or `key=value` connection string (see
        /// ``PostgresConnection/connect(url:connectTimeout:logger:)``).
        public var url: String
        /// The most connections open at once, counting those being opened. Default: 4.
        public var maximumConnections: Int
        /// How long opening one connection may take. Default: 10 seconds.
        public var connectTimeout: Duration

        public init(url: String, maximumConnections: Int = 4, connectTimeout: Duration = .seconds(10)) {
            self.url = url
            self.maximumConnections = maximumConnections
            self.connectTimeout = connectTimeout
        }
    }

    public let configuration: Configuration
    private let logger: Logger
    private let state = Mutex(State())

    /// Creates the client. No connection is opened until the first statement.
    public init(configuration: Configuration, logger: Logger) {
        precondition(configuration.maximumConnections > 0, "maximumConnections must be at least 1")
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs `body` with a connection of the pool, waiting for one when all are busy, and returns the
    /// connection to the pool afterwards. `body` has the connection to itself until it returns.
    ///
    /// - Throws: `CancellationError` when the task is cancelled while waiting; ``PostgresError`` when no
    ///   connection can be opened (`connectionFailed`) or the client is closed (`connectionClosed`);
    ///   whatever `body` throws.
    public func withConnection<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await lease()
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            await release(connection)
            throw error
        }
        await release(connection)
        return result
    }

    /// Runs `query` on a connection of the pool and returns its rows. See ``PostgresConnection/query(_:)``.
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        try await withConnection { try await $0.query(query) }
    }

    /// Runs `query` on a connection of the pool and returns the number of affected rows.
    /// See ``PostgresConnection/execute(_:)``.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await withConnection { try await $0.execute(query) }
    }

    /// Runs `body` in a transaction on one connection of the pool. See ``PostgresConnection/withTransaction(isolation:_:)``.
    public func withTransaction<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await connection.withTransaction { try await body($0) }
        }
    }

    /// Runs a `COPY ... FROM STDIN` on a connection of the pool. See ``PostgresConnection/copyFrom(_:data:)``.
    @discardableResult
    public func copyFrom(_ sql: String, data: PostgresCopyBuffer) async throws -> Int {
        try await withConnection { try await $0.copyFrom(sql, data: data) }
    }

    /// Closes the idle connections and fails the callers waiting for one; connections in use are closed when
    /// released. Later calls throw `connectionClosed`. Safe to call more than once.
    public func close() async {
        let (idle, waiters) = state.withLock { state in
            state.isClosed = true
            let idle = state.idle
            state.idle = []
            state.openCount -= idle.count
            let waiters = state.waiters
            state.waiters = []
            return (idle, waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: Self.closedError)
        }
        for connection in idle {
            await connection.close()
        }
    }

    // MARK: - Pool state

    private static let closedError = PostgresError(code: .connectionClosed, message: "the client is closed")

    /// How many callers wait for a connection now (tests wait for a caller to be queued).
    var waitingCount: Int { state.withLock { $0.waiters.count } }

    /// What a caller asking for a connection gets: an idle connection, or the right to open a new one.
    private enum Handoff: Sendable {
        case connection(PostgresConnection)
        case openSlot
    }

    private struct Waiter: Sendable {
        var id: Int
        var continuation: CheckedContinuation<Handoff, any Error>
    }

    private struct State: Sendable {
        var idle: [PostgresConnection] = []
        /// Connections open or being opened, idle or in use: never more than `maximumConnections`.
        var openCount = 0
        /// Callers waiting for a connection, first come first served.
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var isClosed = false

        mutating func removeWaiter(id: Int) -> Waiter? {
            guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return waiters.remove(at: index)
        }
    }

    private func lease() async throws -> PostgresConnection {
        while true {
            switch try await acquire() {
            case .connection(let connection):
                if !connection.isClosed, await connection.isAlive() { return connection }
                // The server ended it while it was idle (a restart, a terminated session): replace it, so
                // that a restart costs the statements that were running, not the next ones.
                await connection.close()
                releaseSlot()
            case .openSlot:
                let connection: PostgresConnection
                do {
                    connection = try await PostgresConnection.connect(
                        url: configuration.url,
                        connectTimeout: configuration.connectTimeout,
                        logger: logger
                    )
                } catch {
                    releaseSlot()
                    throw error
                }
                if state.withLock({ $0.isClosed }) {
                    await connection.close()
                    releaseSlot()
                    throw Self.closedError
                }
                return connection
            }
        }
    }

    /// Takes an idle connection or a free slot, or waits until `release` hands one over.
    private func acquire() async throws -> Handoff {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let maximum = configuration.maximumConnections
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Handoff, any Error>) in
                let immediate: Swift.Result<Handoff, any Error>? = state.withLock { state in
                    if state.isClosed { return .failure(Self.closedError) }
                    if let connection = state.idle.popLast() { return .success(.connection(connection)) }
                    if state.openCount < maximum {
                        state.openCount += 1
                        return .success(.openSlot)
                    }
                    // Checked under the lock: either the cancellation handler already ran (and found nothing
                    // to cancel), so the flag is set here, or it runs later and finds this waiter.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate {
                    continuation.resume(with: immediate)
                }
            }
        } onCancel: {
            let waiter = state.withLock { $0.removeWaiter(id: id) }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives up one slot (a connection that was closed or never opened): the first waiter may open a
    /// connection in its place, else the count drops.
    private func releaseSlot() {
        let waiter = state.withLock { state -> Waiter? in
            if !state.isClosed, !state.waiters.isEmpty {
                return state.waiters.removeFirst()
            }
            state.openCount -= 1
            return nil
        }
        waiter?.continuation.resume(returning: .openSlot)
    }

    private func release(_ connection: PostgresConnection) async {
        guard await connection.isReusable() else {
            if !connection.isClosed {
                logger.debug("closing a connection returned inside a transaction", metadata: [
                    "postgres.connection.id": "\(connection.id)",
                ])
            }
            await connection.close()
            releaseSlot()
            return
        }
        enum Next { case keep, close, handTo(Waiter) }
        let next = state.withLock { state -> Next in
            if state.isClosed {
                state.openCount -= 1
                return .close
            }
            if !state.waiters.isEmpty {
                return .handTo(state.waiters.removeFirst())
            }
            state.idle.append(connection)
            return .keep
        }
        switch next {
        case .keep: break
        case .close: await connection.close()
        case .handTo(let waiter): waiter.continuation.resume(returning: .connection(connection))
        }
    }
}
