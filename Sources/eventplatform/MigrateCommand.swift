import ArgumentParser
import Collector
import Foundation
import Logging
import Postgres

/// `eventplatform migrate`: applies the pending schema migrations (collectors also do on start).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the pending database schema migrations and print the schema version."
    )

    @Option(help: "PostgreSQL URL. (env: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/eventplatform)")
    var databaseURL: String?

    func run() async throws {
        let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/eventplatform"
        let logger = Logger(label: "migrate")
        let client = PostgresClient(configuration: .init(url: url, maximumConnections: 1), logger: logger)
        do {
            let migrator = SchemaMigrator(client: client, logger: logger)
            let applied = try await migrator.migrate()
            for migration in applied {
                print("applied \(migration.version): \(migration.name)")
            }
            let versions = try await migrator.appliedVersions()
            print("schema version \(versions.last.map(String.init) ?? "none") (\(applied.isEmpty ? "already up to date" : "\(applied.count) applied now"))")
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }
}
