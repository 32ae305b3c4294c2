import Collector
import EventModel
import EventPublisher
import Foundation
import Importer
import Logging
import Postgres
import ServiceLifecycle
import TestInfrastructure
import Testing

private let testLogger: Logger = {
    var logger = Logger(label: "importer-tests")
    logger.logLevel = .notice
    return logger
}()

/// `import` against the real broker and PostgreSQL: a file is published once, and even a file
/// published twice (its ledger entry lost) is stored once by the collector.
@Suite struct CSVImportTests {
    /// 300 valid rows (a tenth with amounts), one repeat of an earlier row, and three bad rows.
    private static func sampleFile() -> (csv: String, valid: [String], revenue: Decimal) {
        var lines = ["event_id,occurred_at,user_id,event_type,country,amount"]
        var ids: [String] = []
        var revenue: Decimal = 0
        for index in 0..<300 {
            let id = UUID().uuidString.lowercased()
            ids.append(id)
            let amount = index % 10 == 0 ? "\(index).25" : ""
            if !amount.isEmpty { revenue += Decimal(string: amount)! }
            let hour = String(format: "%02d", index % 24)
            lines.append("\(id),2025-12-0\(1 + index % 9)T\(hour):15:00Z,user_\(index % 37),\(amount.isEmpty ? "page_view" : "purchase"),UA,\(amount)")
            if index == 150 { lines.append(lines[lines.count - 1]) }
        }
        lines.append("not-a-uuid,2025-12-01T00:00:00Z,u,page_view,UA,")
        lines.append("\(UUID().uuidString.lowercased()),yesterday,u,page_view,UA,")
        lines.append("only,three,fields")
        return (lines.joined(separator: "\n") + "\n", ids, revenue)
    }

    @Test func theSameFileImportedTwiceIsPublishedOnceAndAlwaysStoredOnce() async throws {
        let brokers = try TestEnvironment.kafkaBrokers()
        let topic = TestEnvironment.uniqueName("import")
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: brokers), logger: testLogger)
        try await admin.createTopics([KafkaNewTopic(name: topic, partitions: 3)])
        let file = Self.sampleFile()
        let content = Array(file.csv.utf8)

        try await ScratchDatabase.with(prefix: "import_test", logger: testLogger) { url, client in
            try await SchemaMigrator(client: client, logger: testLogger).migrate()
            let publisher = try Publisher(configuration: .test(brokers: brokers), logger: testLogger)
            var configuration = CollectorConfiguration(source: .app)
            configuration.topic = topic
            configuration.groupID = TestEnvironment.uniqueName("import-collector")
            configuration.deadLetterTopic = topic + "-dlq"
            configuration.brokers = brokers
            configuration.databaseURL = url
            configuration.batchWait = .milliseconds(100)
            configuration.rawRetentionDays = nil
            configuration.metricsPort = 0
            let collector = Collector(configuration: configuration, logger: testLogger)
            let services = ServiceGroup(services: [publisher, collector], gracefulShutdownSignals: [], logger: testLogger)

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await services.run() }
                defer { group.cancelAll() }
                let ledger = ImportLedger(client: client)
                var importer = CSVImporter(publisher: publisher, ledger: ledger, topic: topic, logger: testLogger)
                importer.chunkSize = 64

                var progress: [Double] = []
                guard case .imported(let first) = try await importer.importFile(content, named: "events.csv", progress: { progress.append($0.fraction) }) else {
                    Issue.record("a new file was taken for imported")
                    return
                }
                #expect(first.published == 300)
                #expect(first.duplicates == 1)
                #expect(first.rejected == 3)
                #expect(first.rejections.map(\.line) == [303, 304, 305])
                #expect(first.rejections.map(\.reason).last == "expected 6 fields as in the header, found 3")
                #expect(progress.count == 5 && progress.last == 1, "one progress report per chunk, ending at 100%")

                // Again: the ledger knows the content, nothing is published.
                guard case .alreadyImported(let earlier) = try await importer.importFile(content, named: "copy.csv") else {
                    Issue.record("the same content was imported twice")
                    return
                }
                #expect(earlier.fileName == "events.csv" && earlier.events == 300 && earlier.sha256 == first.sha256)

                // A run that crashed before recording publishes the file again; storage still holds each event once.
                _ = try await client.execute("DELETE FROM imported_files")
                guard case .imported(let repeated) = try await importer.importFile(content, named: "events.csv") else {
                    Issue.record("the unrecorded file was not imported again")
                    return
                }
                #expect(repeated.published == 300)

                // Every record the topic holds (2 x 300) consumed and stored, by the collector's own offsets.
                let consumedAll = try await eventually {
                    let row = try await client.query("""
                        SELECT coalesce(sum(next_offset), 0)::bigint AS consumed FROM collector_offsets WHERE topic = \(topic)
                        """)
                    return try row[0].decode(Int.self, column: "consumed") == 600
                }
                #expect(consumedAll, "the collector did not consume the 600 published records")
                let stored = try await client.query("""
                    SELECT (SELECT count(*) FROM events) AS raw, (SELECT count(DISTINCT event_id) FROM events) AS ids,
                           (SELECT coalesce(sum(events), 0) FROM event_counts_hourly) AS counted,
                           (SELECT coalesce(sum(revenue), 0)::text FROM revenue_hourly) AS revenue
                    """)[0]
                #expect(try stored.decode(Int.self, column: "raw") == 300)
                #expect(try stored.decode(Int.self, column: "ids") == 300)
                #expect(try stored.decode(Int.self, column: "counted") == 300)
                #expect(Decimal(string: try stored.decode(String.self, column: "revenue")) == file.revenue)
                let storedIDs = try await client.query("SELECT event_id FROM events").map { try $0.decode(String.self, column: "event_id") }
                #expect(Set(storedIDs) == Set(file.valid))
                await services.triggerGracefulShutdown()
            }
        }
    }
}
