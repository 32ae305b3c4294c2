import ArgumentParser
import Hummingbird
import Logging
import Postgres
import Reporter

/// `eventplatform reporter`: the reports API over the collectors' aggregates.
struct ReporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reporter",
        abstract: "Serve the reports API (/reports/*, /stats/*; /health/*, /metrics) from the aggregated tables, and the raw events at the ragged edges of a range.",
        discussion: "Reads only; give it a database role that can only read. The schema comes from `eventplatform migrate` or a collector."
    )

    @OptionGroup var options: ReporterOptions

    func run() async throws {
        ServiceBootstrap.start()
        let logger = Logger(label: "reporter")
        let configuration = try options.configuration()
        let client = PostgresClient(
            configuration: .init(url: configuration.connectionURL, maximumConnections: configuration.maximumConnections),
            logger: logger
        )
        let app = buildApplication(configuration: configuration, client: client, registry: ServiceBootstrap.registry, logger: logger)
        logger.info("reporter listening", metadata: ["port": "\(configuration.port)"])
        do {
            try await app.runService()
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }
}

/// The reporter's options; shared with `up`.
struct ReporterOptions: ParsableArguments {
    @Option(name: .customLong("reporter-port"), help: "HTTP port of the reporter. (env: REPORTER_PORT, default 8081)")
    var port: Int?

    @Option(name: .customLong("reporter-host"), help: "Address to listen on. (env: REPORTER_HOST, default 0.0.0.0)")
    var host: String?

    @Option(help: "PostgreSQL URL. (env: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/eventplatform)")
    var databaseURL: String?

    @Option(help: "Connections of the pool. (env: REPORTER_MAX_CONNECTIONS, default 8)")
    var maxConnections: Int?

    @Option(help: "Longest a report query may run, in ms. (env: REPORTER_STATEMENT_TIMEOUT_MS, default 5000)")
    var statementTimeoutMs: Int?

    @Option(help: "Role the sessions take on, one that can only read; empty = the login's own rights. (env: REPORTER_ROLE, default eventplatform_reader)")
    var role: String?

    @Option(help: "Distinct-user reports (DAU, demographics, funnel, retention) querying at once. (env: REPORTER_DISTINCT_USER_QUERIES, default 2)")
    var distinctUserQueries: Int?

    @Option(help: "Milliseconds an answer is reused for identical requests; 0 = no caching. (env: REPORTER_CACHE_TTL_MS, default 1000)")
    var cacheTtlMs: Int?

    /// The reporter's configuration from these options and the environment.
    func configuration() throws -> ReporterConfiguration {
        let environment = ServiceBootstrap.environment
        var configuration = ReporterConfiguration()
        configuration.port = try port ?? environment.integer("REPORTER_PORT", default: configuration.port, in: 0...65_535)
        configuration.host = host ?? environment.string("REPORTER_HOST", default: configuration.host)
        configuration.databaseURL = databaseURL ?? environment.string("DATABASE_URL", default: configuration.databaseURL)
        configuration.maximumConnections = try maxConnections
            ?? environment.integer("REPORTER_MAX_CONNECTIONS", default: configuration.maximumConnections, in: 1...256)
        if let statementTimeoutMs {
            guard (1...600_000).contains(statementTimeoutMs) else {
                throw ValidationError("--statement-timeout-ms must be from 1 to 600000")
            }
            configuration.statementTimeout = .milliseconds(statementTimeoutMs)
        } else {
            configuration.statementTimeout = try environment.milliseconds(
                "REPORTER_STATEMENT_TIMEOUT_MS", default: configuration.statementTimeout, in: 1...600_000)
        }
        let role = role ?? environment.string("REPORTER_ROLE", default: configuration.readerRole ?? "")
        guard role.isEmpty || ReporterConfiguration.isValidRoleName(role) else {
            throw ValidationError("--role must be a lower-case SQL identifier, got '\(role)'")
        }
        configuration.readerRole = role.isEmpty ? nil : role
        configuration.distinctUserQueries = try distinctUserQueries
            ?? environment.integer("REPORTER_DISTINCT_USER_QUERIES", default: configuration.distinctUserQueries, in: 1...256)
        guard (1...256).contains(configuration.distinctUserQueries) else {
            throw ValidationError("--distinct-user-queries must be from 1 to 256")
        }
        configuration.cacheTimeToLive = .milliseconds(
            try cacheTtlMs ?? environment.integer("REPORTER_CACHE_TTL_MS", default: 1_000, in: 0...3_600_000))
        guard (0...3_600_000).contains(configuration.cacheTimeToLive / .milliseconds(1)) else {
            throw ValidationError("--cache-ttl-ms must be from 0 to 3600000")
        }
        return configuration
    }
}
