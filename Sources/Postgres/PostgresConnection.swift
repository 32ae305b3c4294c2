internal import CLibPQ
internal import Dispatch
public import Logging
internal import Synchronization

/// One connection to PostgreSQL (a libpq `PGconn`).
///
/// libpq's calls block the calling thread until the server answers, so they must never run on Swift's
/// cooperative thread pool (a few slow queries would starve every task of the process). Each connection
/// therefore owns a serial dispatch queue, which gets its own thread while it works; every async method
/// hops onto that queue, runs libpq there, and resumes the caller when done. Statements on one connection
/// run one at a time in call order. Tasks sharing a connection share its transaction state, so for concurrent
/// work give each task its own connection, e.g. through ``PostgresClient``.
///
/// Cancelling the calling task does not interrupt a statement already sent: it runs to completion.
public final class PostgresConnection: @unchecked Sendable {
    // `@unchecked Sendable`: the only mutable state, `handle`, is read and written exclusively on `queue`
    // (and in `deinit`, when no work for this connection can be pending because queued work retains `self`).
    // Everything else is immutable or atomic.

    /// A number identifying this connection in logs (unique within the process).
    public let id: Int

    private let logger: Logger
    private let queue: DispatchQueue
    /// The libpq connection; nil before connecting and after closing. Confined to `queue`.
    private var handle: OpaquePointer?
    /// Set once the connection is closed or found broken, readable from any thread.
    private let closed = Atomic<Bool>(false)
    /// Kept alive as long as the PGconn, which holds an unretained pointer to it for its notice callback.
    private let noticeLogger: NoticeLogger

    private static let nextID = Atomic<Int>(1)

    /// Biggest piece handed to PQputCopyData at once, so that libpq never copies the whole buffer in one go.
    private static let copyChunkSize = 1 << 20

    private init(logger: Logger) {
        id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        var logger = logger
        logger[metadataKey: "postgres.connection.id"] = "\(id)"
        self.logger = logger
        queue = DispatchQueue(label: "postgres.connection.\(id)")
        noticeLogger = NoticeLogger(logger: logger)
    }

    deinit {
        // Normally `close()` already ran on the queue. Otherwise PQfinish runs on whichever thread drops the
        // last reference; it only writes a tiny Terminate message and closes the socket, so it cannot block long.
        if let handle {
            PQfinish(handle)
        }
    }

    /// Connects to the database at `url`.
    ///
    /// - Parameters:
    ///   - url: A `postgres://user:password@host:port/database?option=value` URL or a `key=value`
    ///     connection string, exactly as `PQconnectdb` accepts them.
    ///   - connectTimeout: How long to wait for the server, overriding any `connect_timeout` in `url`.
    ///     libpq counts whole seconds (rounded up here) per address tried, and treats 1 as 2.
    ///   - logger: Receives connection events, and the server's notices and warnings.
    /// - Throws: ``PostgresError`` with code `connectionFailed` and libpq's reason, which names the address.
    public static func connect(
        url: String,
        connectTimeout: Duration = .seconds(10),
        logger: Logger
    ) async throws -> PostgresConnection {
        let connection = PostgresConnection(logger: logger)
        try await connection.onQueue { try connection.open(url: url, connectTimeout: connectTimeout) }
        return connection
    }

    /// True once the connection was closed or found broken (the server went away); it cannot be used again.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Runs `query` and returns its rows (none for statements such as `INSERT` without `RETURNING`).
    ///
    /// - Throws: ``PostgresError``: `queryFailed` with the server's SQLSTATE when the statement is rejected
    ///   (the connection stays usable), `connectionClosed` when the connection is closed or the server went away.
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        let result = try await onQueue { try self.run(query) }
        return PostgresRows(storage: result)
    }

    /// Runs `query` and returns the number of rows it affected (inserted, updated, deleted, selected, ...),
    /// or 0 for statements that affect no rows, such as DDL.
    ///
    /// - Throws: ``PostgresError``, as ``query(_:)``.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await onQueue { try self.run(query).affectedRows }
    }

    /// Runs `sql`, which may hold several statements separated by semicolons (a schema migration, say),
    /// with the simple query protocol. Takes no bind parameters: use it only for trusted SQL.
    ///
    /// - Throws: ``PostgresError``, as ``query(_:)``; statements before the failing one keep their effect
    ///   unless the script manages its own transaction.
    public func executeScript(_ sql: String) async throws {
        _ = try await onQueue { () throws -> Int in
            let connection = try self.openHandle()
            return try self.checkCommandResult(PQexec(connection, sql), on: connection, failure: .queryFailed).affectedRows
        }
    }

    /// Runs `body` in a transaction: `BEGIN`, then `COMMIT` when `body` returns, `ROLLBACK` when it throws
    /// (the error is rethrown).
    ///
    /// If a statement failed inside `body` and `body` caught the error, PostgreSQL has already aborted the
    /// transaction; the `COMMIT` then rolls back, and this method throws `queryFailed` rather than pretend
    /// the changes were saved.
    public func withTransaction<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await execute("BEGIN")
        let result: Result
        do {
            result = try await body(self)
        } catch {
            do {
                try await execute("ROLLBACK")
            } catch let rollbackError {
                // The original error explains the failure; a failed ROLLBACK (usually a lost connection, which
                // the server rolls back by itself) is only worth a log line.
                logger.warning("ROLLBACK failed after an error in the transaction", metadata: [
                    "error": "\(error)", "rollback.error": "\(rollbackError)",
                ])
            }
            throw error
        }
        let tag = try await onQueue { try self.run("COMMIT").commandTag }
        if tag == "ROLLBACK" {
            throw PostgresError(
                code: .queryFailed,
                message: "transaction was rolled back instead of committed because a statement in it failed"
            )
        }
        return result
    }

    /// Runs the `SELECT` `query` through a cursor and hands its rows to `body` `batchSize` at a time, so that
    /// a result of millions of rows costs the memory of two batches, not of the whole result: while `body`
    /// works on one batch the server already reads the next, so neither waits for the other. Call it inside
    /// ``withTransaction(isolation:_:)`` (a cursor lives in a transaction); when `body` throws, the error
    /// ends the transaction and the cursor with it.
    ///
    /// - Throws: ``PostgresError``, as ``query(_:)``; whatever `body` throws.
    public func forEachBatch(
        of query: PostgresQuery, rows batchSize: Int,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresRows) async throws -> Void
    ) async throws {
        let cursor = "batched_rows_\(Self.cursorNumbers.add(1, ordering: .relaxed).newValue)"
        var declare = query
        declare.sql = "DECLARE \(cursor) NO SCROLL CURSOR FOR " + query.sql
        try await execute(declare)
        let batchSize = max(1, batchSize)
        let fetch = PostgresQuery(unsafeSQL: "FETCH FORWARD \(batchSize) FROM \(cursor)")
        var rows = try await self.query(fetch)
        while true {
            // A short batch is the last one. When `body` throws, the fetch still runs to its end (a sent
            // statement is never interrupted) before the error reaches the caller's ROLLBACK.
            let isLast = rows.count < batchSize
            async let following: PostgresRows? = isLast ? nil : self.query(fetch)
            if !rows.isEmpty { try await body(rows) }
            guard let next = try await following else { break }
            rows = next
        }
        try await execute(PostgresQuery(unsafeSQL: "CLOSE \(cursor)"))
    }

    /// Numbers the cursors of ``forEachBatch(of:rows:isolation:_:)``, so that they never share a name.
    private static let cursorNumbers = Atomic<Int>(0)

    /// Loads rows with `COPY ... FROM STDIN` and returns the number of rows copied.
    ///
    /// - Parameters:
    ///   - sql: The COPY statement, in text format, e.g. `COPY events (id, kind, at) FROM STDIN`.
    ///     It is sent verbatim: build it from trusted names only (see ``PostgresQuery/quoteIdentifier(_:)``).
    ///   - data: The rows, in the order of the statement's columns.
    /// - Throws: ``PostgresError`` with code `copyFailed` and the server's SQLSTATE when the statement or a row
    ///   is rejected (nothing is copied then, and the connection stays usable); `connectionClosed` when the
    ///   connection is closed or the server went away.
    @discardableResult
    public func copyFrom(_ sql: String, data: PostgresCopyBuffer) async throws -> Int {
        try await onQueue { try self.copy(sql, data: data.bytes) }
    }

    /// Closes the connection. Safe to call more than once; later calls on the connection throw
    /// `connectionClosed`. Dropping the last reference also closes it.
    public func close() async {
        try? await onQueue { self.finish() }
    }

    /// Whether the connection is open and outside any transaction, so that a pool may hand it to the next
    /// user without leaking this user's transaction state.
    func isReusable() async -> Bool {
        let idle = try? await onQueue { () -> Bool in
            guard let connection = self.handle, PQstatus(connection) == CONNECTION_OK else { return false }
            return PQtransactionStatus(connection) == PQTRANS_IDLE
        }
        return idle ?? false
    }

    /// Whether the server still holds this connection: reads what arrived while it was idle (without
    /// waiting), so that a connection the server ended meanwhile (a restart, `pg_terminate_backend`, an
    /// idle timeout) shows as broken before a statement is sent on it.
    func isAlive() async -> Bool {
        let alive = try? await onQueue { () -> Bool in
            guard let connection = self.handle else { return false }
            // libpq's socket is non-blocking: this takes only what is there (or meets the end of the stream).
            guard PQconsumeInput(connection) == 1 else { return false }
            // Parses it: the FATAL error a server sends before it closes a session reaches the notice
            // receiver, possibly before the close itself has arrived.
            _ = PQisBusy(connection)
            return !self.noticeLogger.sessionEnded.load(ordering: .relaxed) && PQstatus(connection) == CONNECTION_OK
        }
        return alive ?? false
    }

    // MARK: - Work on the connection's queue

    /// Runs `work` on the connection's queue and returns its result to the calling task.
    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Swift.Result { try work() })
            }
        }
    }

    private func open(url: String, connectTimeout: Duration) throws {
        dispatchPrecondition(condition: .onQueue(queue))
        let (seconds, attoseconds) = connectTimeout.components
        let timeoutSeconds = max(1, seconds + (attoseconds > 0 ? 1 : 0))
        // With expand_dbname = 1, later entries override earlier ones: the URL may override the client
        // encoding (Swift strings are UTF-8, so that is what we send), the explicit timeout overrides the URL.
        let keywords: [String?] = ["client_encoding", "dbname", "connect_timeout"]
        let values: [String?] = ["UTF8", url, String(timeoutSeconds)]
        let connection = withCStringArray(keywords) { keywords in
            withCStringArray(values) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }
        guard let connection else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = PostgresError.condense(String(cString: PQerrorMessage(connection)))
            PQfinish(connection)
            closed.store(true, ordering: .releasing)
            logger.debug("could not connect to PostgreSQL", metadata: ["error": "\(message)"])
            throw PostgresError(code: .connectionFailed, message: message)
        }
        // Without a receiver, libpq prints notices ("table does not exist, skipping") to stderr.
        PQsetNoticeReceiver(connection, { context, result in
            guard let context, let result else { return }
            Unmanaged<NoticeLogger>.fromOpaque(context).takeUnretainedValue().log(result)
        }, Unmanaged.passUnretained(noticeLogger).toOpaque())
        handle = connection
        logger.debug("connected to PostgreSQL", metadata: [
            "postgres.host": "\(String(cString: PQhost(connection)))",
            "postgres.port": "\(String(cString: PQport(connection)))",
            "postgres.database": "\(String(cString: PQdb(connection)))",
            "postgres.server_version": "\(PQserverVersion(connection))",
        ])
    }

    private func finish() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let connection = handle else { return }
        handle = nil
        closed.store(true, ordering: .releasing)
        PQfinish(connection)
        logger.debug("closed PostgreSQL connection")
    }

    /// The libpq connection, or `connectionClosed` when there is none.
    private func openHandle() throws -> OpaquePointer {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let handle else {
            throw PostgresError(code: .connectionClosed, message: "the connection is closed")
        }
        return handle
    }

    private func run(_ query: PostgresQuery) throws -> PostgresResult {
        let connection = try openHandle()
        // libpq takes parameters as C strings, so a NUL byte would silently cut the value short; PostgreSQL's
        // text types cannot store NUL anyway, so refuse instead of storing something else than asked.
        if let index = query.binds.firstIndex(where: { $0?.utf8.contains(0) == true }) {
            throw PostgresError(
                code: .queryFailed,
                message: "bind parameter $\(index + 1) contains a NUL byte, which PostgreSQL text cannot hold"
            )
        }
        logger.trace("running query", metadata: ["postgres.query": "\(query)"])
        let result = withCStringArray(query.binds) { values in
            // Parameter types left to the server to infer; all parameters and results in text format.
            PQexecParams(connection, query.sql, Int32(query.binds.count), nil, values, nil, nil, 0)
        }
        return try checkCommandResult(result, on: connection, failure: .queryFailed)
    }

    /// Takes ownership of `result`: returns it when the statement succeeded, else frees it and throws.
    private func checkCommandResult(
        _ result: OpaquePointer?,
        on connection: OpaquePointer,
        failure code: PostgresError.Code
    ) throws -> PostgresResult {
        guard let result else {
            // No result at all: libpq could not even send the statement.
            throw connectionError(connection, code: code)
        }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(taking: result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            // A COPY sent through query/execute: the connection is now in COPY mode, which must be left
            // before it can run anything else.
            PQclear(result)
            abandonCopy(connection)
            throw PostgresError(
                code: code,
                message: "COPY ... FROM STDIN must be run with copyFrom; COPY ... TO STDOUT is not supported"
            )
        default:
            let error = serverError(result, connection: connection, code: code)
            PQclear(result)
            throw error
        }
    }

    private func copy(_ sql: String, data: [UInt8]) throws -> Int {
        let connection = try openHandle()
        logger.trace("running COPY", metadata: ["postgres.query": "\(sql)", "postgres.copy.bytes": "\(data.count)"])
        guard let start = PQexec(connection, sql) else {
            throw connectionError(connection, code: .copyFailed)
        }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            // Rejected (bad table, syntax, ...) or not a COPY FROM STDIN: report it like any failed statement.
            let failure = Swift.Result { try checkCommandResult(start, on: connection, failure: .copyFailed) }
            if case .failure(let error) = failure { throw error }
            throw PostgresError(code: .copyFailed, message: "not a COPY ... FROM STDIN statement: \(sql)")
        }
        PQclear(start)

        var sendError: String?
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let length = min(Self.copyChunkSize, bytes.count - offset)
                let chunk = bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self)
                // Blocking mode: 1 = queued/sent, -1 = error (0 only happens in non-blocking mode).
                if PQputCopyData(connection, chunk, Int32(length)) != 1 {
                    sendError = PostgresError.condense(String(cString: PQerrorMessage(connection)))
                    return
                }
                offset += length
            }
        }
        if sendError == nil, PQputCopyEnd(connection, nil) != 1 {
            sendError = PostgresError.condense(String(cString: PQerrorMessage(connection)))
        }

        // The outcome is the first result after the data; read results until NULL so that the connection
        // is ready for the next statement.
        var outcome: Swift.Result<Int, PostgresError>?
        while let result = PQgetResult(connection) {
            let status = PQresultStatus(result)
            if status == PGRES_COPY_IN {
                // Still in COPY mode because ending it failed above: try once more to end it with an error,
                // and give up on the connection if even that fails.
                PQclear(result)
                if PQputCopyEnd(connection, "client could not send the COPY data") != 1 { break }
                continue
            }
            if outcome == nil {
                if status == PGRES_COMMAND_OK {
                    outcome = .success(Int(String(cString: PQcmdTuples(result))) ?? 0)
                } else {
                    outcome = .failure(serverError(result, connection: connection, code: .copyFailed))
                }
            }
            PQclear(result)
        }
        if outcome == nil, PQstatus(connection) == CONNECTION_BAD {
            throw connectionError(connection, code: .copyFailed)
        }
        switch outcome {
        case .success(let rows):
            return rows
        case .failure(let error):
            throw error
        case nil:
            throw PostgresError(code: .copyFailed, message: sendError ?? "the server sent no result for the COPY")
        }
    }

    /// Leaves COPY mode after a COPY statement was sent through `query`/`execute`, keeping the connection usable.
    private func abandonCopy(_ connection: OpaquePointer) {
        while let result = PQgetResult(connection) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_COPY_IN || status == PGRES_COPY_BOTH {
                if PQputCopyEnd(connection, "COPY FROM STDIN is only supported through copyFrom") != 1 { return }
            } else if status == PGRES_COPY_OUT {
                // Discard the rows the server sends until the end of the COPY (-1) or an error (-2).
                var buffer: UnsafeMutablePointer<CChar>?
                while true {
                    let length = PQgetCopyData(connection, &buffer, 0)
                    if let data = buffer { PQfreemem(data); buffer = nil }
                    if length < 0 { break }
                }
            }
        }
    }

    /// The error a failed result reports; `connectionClosed` when the connection broke meanwhile.
    private func serverError(_ result: OpaquePointer, connection: OpaquePointer, code: PostgresError.Code) -> PostgresError {
        func field(_ name: Int32) -> String? {
            guard let value = PQresultErrorField(result, name) else { return nil }
            return String(cString: value)
        }
        let sqlState = field(DiagnosticField.sqlState)
        let message = field(DiagnosticField.messagePrimary)
            ?? PostgresError.condense(String(cString: PQresultErrorMessage(result)))
        if PQstatus(connection) == CONNECTION_BAD {
            // libpq's connection message says why the server went away ("FATAL: terminating connection due
            // to administrator command; server closed the connection unexpectedly"), the result only that it did.
            let connectionMessage = PostgresError.condense(String(cString: PQerrorMessage(connection)))
            let lostMessage = connectionMessage.contains(message) ? connectionMessage : message + "; " + connectionMessage
            logConnectionLost(lostMessage)
            return PostgresError(code: .connectionClosed, sqlState: sqlState, message: lostMessage)
        }
        return PostgresError(code: code, sqlState: sqlState, message: message)
    }

    /// The error for a statement that got no result: usually a lost connection.
    private func connectionError(_ connection: OpaquePointer, code: PostgresError.Code) -> PostgresError {
        let message = PostgresError.condense(String(cString: PQerrorMessage(connection)))
        if PQstatus(connection) == CONNECTION_BAD {
            logConnectionLost(message)
            return PostgresError(code: .connectionClosed, message: message)
        }
        return PostgresError(code: code, message: message)
    }

    /// Marks the connection closed, logging only the first time: later calls on the dead connection fail
    /// the same way and would repeat the warning.
    private func logConnectionLost(_ message: String) {
        if !closed.exchange(true, ordering: .acquiringAndReleasing) {
            logger.warning("PostgreSQL connection lost", metadata: ["error": "\(message)"])
        }
    }
}

/// Forwards the server's notices and warnings from libpq's callback to the connection's logger.
private final class NoticeLogger: Sendable {
    let logger: Logger
    /// Set by a FATAL or PANIC message outside a statement: the server is ending the session.
    let sessionEnded = Atomic<Bool>(false)

    init(logger: Logger) { self.logger = logger }

    func log(_ result: OpaquePointer) {
        let severity = PQresultErrorField(result, DiagnosticField.severity).map { String(cString: $0) } ?? "NOTICE"
        let message = PQresultErrorField(result, DiagnosticField.messagePrimary).map { String(cString: $0) }
            ?? PostgresError.condense(String(cString: PQresultErrorMessage(result)))
        let ending = severity == "FATAL" || severity == "PANIC"
        if ending { sessionEnded.store(true, ordering: .relaxed) }
        let level: Logger.Level = severity == "WARNING" || ending ? .warning : .debug
        logger.log(level: level, "PostgreSQL \(severity.lowercased()): \(message)")
    }
}

/// The `PG_DIAG_*` field codes of `PQresultErrorField`: C character-literal macros, which Swift cannot import.
private enum DiagnosticField {
    static let severity = Int32(UInt8(ascii: "V"))  // PG_DIAG_SEVERITY_NONLOCALIZED
    static let sqlState = Int32(UInt8(ascii: "C"))  // PG_DIAG_SQLSTATE
    static let messagePrimary = Int32(UInt8(ascii: "M"))  // PG_DIAG_MESSAGE_PRIMARY
}

/// Calls `body` with a C array of copies of `strings` (nil entries stay NULL), followed by a NULL terminator.
/// The copies live until `body` returns.
func withCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) throws -> R) rethrows -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { string in
        guard let string else { return nil }
        let utf8 = string.utf8
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count + 1)
        UnsafeMutableBufferPointer(start: copy, count: utf8.count).withMemoryRebound(to: UInt8.self) { buffer in
            _ = buffer.initialize(fromContentsOf: utf8)
        }
        copy[utf8.count] = 0
        return copy
    }
    defer {
        for copy in copies { copy?.deallocate() }
    }
    let pointers = copies.map { $0.map { UnsafePointer($0) } } + [nil]
    return try pointers.withUnsafeBufferPointer { try body($0.baseAddress!) }
}
