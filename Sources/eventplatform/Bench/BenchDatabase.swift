import Logging
import Postgres

/// The database part every storage benchmark shares: line-buffered output, a quiet logger, the server
/// from `DATABASE_URL` (or the option), the benchmark's own database prepared on it, and a pool that is
/// closed however the run ends.
enum BenchDatabase {
    static func run(
        serverURL: String?,
        prepare: (_ server: String, _ logger: Logger) async throws -> String,
        _ body: (_ url: String, _ client: PostgresClient, _ logger: Logger) async throws -> Void
    ) async throws {
        ServiceBootstrap.lineBufferedOutput()
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let server = serverURL ?? ServiceBootstrap.environment.string("DATABASE_URL", default: "postgres://postgres@127.0.0.1:5432/eventplatform")
        let url = try await prepare(server, logger)
        let client = PostgresClient(configuration: .init(url: url, maximumConnections: 4), logger: logger)
        do {
            try await body(url, client, logger)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }
}
