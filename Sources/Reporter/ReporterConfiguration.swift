import Postgres

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
    /// How many distinct-user reports (DAU, demographics, funnel, retention) may query at once; the rest
    /// of the pool stays free for the cheap reports. Two cores, two scans.
    public var distinctUserQueries: Int = 2

    /// The role every session takes on (`SET ROLE` at connection start), one that can only read; created by
    /// the schema migrations. Nil keeps the login user's own rights (then give the reporter a login that
    /// can only read).
    public var readerRole: String? = "eventplatform_reader"

    public init() {}

    /// ``databaseURL`` with the statement timeout, read-only transactions and the reader role set for every
    /// connection of the pool, through libpq's `options` parameter (as if each connection ran
    /// `SET statement_timeout`, `SET default_transaction_read_only = on` and `SET ROLE` as it starts).
    /// Read-only sessions are a second guard beside the role that can only read.
    public var connectionURL: String {
        let (seconds, attoseconds) = statementTimeout.components
        let milliseconds = max(1, seconds * 1_000 + attoseconds / 1_000_000_000_000_000)
        var settings = [(name: "statement_timeout", value: "\(milliseconds)"), (name: "default_transaction_read_only", value: "on")]
        if let readerRole { settings.append((name: "role", value: readerRole)) }
        return PostgresSessionSettings(settings).applied(to: databaseURL)
    }

    /// Whether `name` can be a role here: a plain lower-case SQL identifier (it goes into connection options).
    public static func isValidRoleName(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || ("a"..."z").contains(first) else { return false }
        return name.count <= 63 && name.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }
}
