/// Settings of the reports API, with the contract's default port (section 2).
public struct ReporterConfiguration: Sendable, Hashable {
    /// The HTTP port.
    public var port: Int = 8081
    /// The address to listen on.
    public var host: String = "0.0.0.0"
    /// The database holding the collectors' aggregates; a role that can only read is enough.
    public var databaseURL: String = "postgres://postgres@127.0.0.1:5432/eventplatform"
    /// Connections of the pool: report queries are short, two cores serve a few at a time.
    public var maximumConnections: Int = 8
    /// The longest a report query may run before PostgreSQL cancels it (`statement_timeout`), so that a
    /// runaway range cannot hold a connection and the pool stays available.
    public var statementTimeout: Duration = .seconds(5)
    /// How long an answer is reused for identical requests; zero turns caching off. An answer is at most
    /// this old (plus its query's duration) when served.
    public var cacheTimeToLive: Duration = .seconds(1)

    public init() {}

    /// ``databaseURL`` with the statement timeout and read-only transactions set for every connection
    /// of the pool, through libpq's `options` parameter (as if each connection ran `SET statement_timeout`
    /// and `SET default_transaction_read_only = on` as it starts). Read-only sessions are a second guard
    /// beside a database role that can only read.
    public var connectionURL: String {
        let (seconds, attoseconds) = statementTimeout.components
        let milliseconds = max(1, seconds * 1_000 + attoseconds / 1_000_000_000_000_000)
        guard databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") else {
            // key=value form
            return databaseURL + " options='-c statement_timeout=\(milliseconds) -c default_transaction_read_only=on'"
        }
        let separator = databaseURL.contains("?") ? "&" : "?"
        return databaseURL + separator
            + "options=-c%20statement_timeout%3D\(milliseconds)%20-c%20default_transaction_read_only%3Don"
    }
}
