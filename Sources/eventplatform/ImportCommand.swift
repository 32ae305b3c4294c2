import ArgumentParser
import Collector
import EventPublisher
import Foundation
import Importer
import Logging
import Postgres
import Synchronization

/// `eventplatform import FILE.csv`: product events from a CSV file into Kafka through the publisher
/// library, once per file content.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import product events from a CSV file through the publisher library; a file already imported adds nothing.",
        discussion: """
        The header names the columns: event_id, occurred_at, user_id and event_type are required; an optional \
        properties column holds a JSON object; any other column (country, device, amount, ...) becomes a string \
        property. Rows are validated like POST /events; refused rows are listed with their line. The file's SHA-256 \
        is recorded in PostgreSQL once every event is acknowledged by Kafka. Publisher settings come from the \
        environment (PUBLISHER_*), as for the gateway.
        """
    )

    @Argument(help: "The CSV file to import.")
    var file: String

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var storability: StorabilityOptions

    /// The name the file is recorded and reported under.
    private var fileName: String { URL(fileURLWithPath: file).lastPathComponent }

    @Option(help: "PostgreSQL URL, where imported files are recorded. (env: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/eventplatform)")
    var databaseURL: String?

    func run() async throws {
        let content: [UInt8]
        do {
            content = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
        let url = databaseURL ?? ServiceBootstrap.environment.string("DATABASE_URL", default: "postgres://postgres@127.0.0.1:5432/eventplatform")
        var logger = Logger(label: "import")
        logger.logLevel = .warning
        let client = PostgresClient(configuration: .init(url: url, maximumConnections: 1), logger: logger)
        let outcome: ImportOutcome
        do {
            outcome = try await importFile(content, client: client, logger: logger)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        switch outcome {
        case .alreadyImported(let earlier):
            print("\(fileName): already imported at \(earlier.importedAt) as \(earlier.fileName) (\(earlier.events) events); nothing published")
        case .imported(let summary):
            for rejection in summary.rejections {
                print("line \(rejection.line)\(rejection.eventId.map { " (\($0))" } ?? ""): \(rejection.reason)")
            }
            if summary.rejected > summary.rejections.count {
                print("... and \(summary.rejected - summary.rejections.count) more refused rows")
            }
            print("\(fileName): \(summary.published) events published, \(summary.rejected) rows refused, \(summary.duplicates) repeated event ids (sha256 \(summary.sha256))")
        }
    }

    private func importFile(_ content: [UInt8], client: PostgresClient, logger: Logger) async throws -> ImportOutcome {
        try await SchemaMigrator(client: client, logger: logger).migrate()
        var publisherConfiguration = try PublisherConfiguration(environment: ProcessInfo.processInfo.environment)
        publisherConfiguration.brokers = kafka.resolvedBrokers
        let topic = kafka.topics.app
        try await kafka.topics.createMissing(brokers: kafka.resolvedBrokers, logger: logger)
        return try await withRunningPublisher(publisherConfiguration, logger: logger) { publisher in
            var importer = CSVImporter(publisher: publisher, ledger: ImportLedger(client: client), topic: topic, logger: logger)
            importer.storability = try storability.rule()
            let bar = ProgressBar()
            defer { bar.finish() }
            return try await importer.importFile(content, named: fileName) { bar.show($0) }
        }
    }
}

/// The import's progress on standard error: a redrawn bar on a terminal, a line every 2 s otherwise.
private final class ProgressBar: Sendable {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let start = ContinuousClock.now
    private let lastLine = Mutex(ContinuousClock.now)

    func show(_ progress: ImportProgress) {
        let elapsed = max((ContinuousClock.now - start) / .seconds(1), 0.001)
        let done = Int(progress.fraction * 30)
        let text = String(format: "[%@%@] %3.0f%%  %d events  %d refused  %.0f events/s",
                          String(repeating: "#", count: done), String(repeating: ".", count: 30 - done),
                          progress.fraction * 100, progress.summary.published, progress.summary.rejected,
                          Double(progress.summary.published) / elapsed)
        if isTerminal {
            FileHandle.standardError.write(Data(("\r" + text).utf8))
        } else if lastLine.withLock({ last in
            guard ContinuousClock.now - last >= .seconds(2) || progress.fraction >= 1 else { return false }
            last = .now
            return true
        }) {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
