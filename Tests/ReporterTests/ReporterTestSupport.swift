@testable import Collector
import EventModel
import Foundation
import Kafka
import LoadGenerator
import Logging
import Postgres
import Reporter
import TestInfrastructure

let testLogger: Logger = {
    var logger = Logger(label: "reporter-tests")
    logger.logLevel = .notice
    return logger
}()

/// A migrated database of the test's own on the shared server, holding a generated data set written
/// through the collector's real `BatchWriter`; dropped afterwards.
struct ReportTestDatabase: Sendable {
    /// The database's URL (the owner's login).
    let url: String
    /// The owner's pool: loads data and computes the expected answers.
    let client: PostgresClient
    /// A pool as the reporter connects: read-only sessions as the reader role.
    let reader: PostgresClient

    static func with<T: Sendable>(_ body: (ReportTestDatabase) async throws -> T) async throws -> T {
        try await ScratchDatabase.with(prefix: "reporter_test", logger: testLogger) { url, client in
            try await SchemaMigrator(client: client, logger: testLogger).migrate()
            var configuration = ReporterConfiguration()
            configuration.databaseURL = url
            let reader = PostgresClient(configuration: .init(url: configuration.connectionURL, maximumConnections: 4), logger: testLogger)
            let database = ReportTestDatabase(url: url, client: client, reader: reader)
            do {
                try await database.load()
                let result = try await body(database)
                await reader.close()
                return result
            } catch {
                await reader.close()
                throw error
            }
        }
    }

    /// Events in the data set: ``eventsPerSource`` of each source over five weeks, and ``burstPerSource``
    /// of each in the day up to ``burstEnd``, so that ranges of minutes there hold events of many users.
    static let eventsPerSource = 2_000
    static let burstPerSource = 200
    /// 2025-12-10T11:00:00Z.
    static let burstEnd: Int64 = 1_765_364_400

    /// Several weeks of events of all three sources, repeat users and purchases, in collector batches; the
    /// burst draws on the same users. Seeded: the route tests check that their ranges hold what makes a
    /// comparison meaningful (users of every source, several app countries and devices, converted users),
    /// and a random data set once lacked that in CI.
    private func load() async throws {
        var settings = SampleEventFactory.Settings()
        settings.usersPerSource = 150
        settings.days = 35
        // A fixed data set (2025-11-26 to 2025-12-31), so that the route tests can name its dates.
        settings.endEpochSeconds = 1_767_225_600
        settings.seed = 20_251_210
        var factory = SampleEventFactory(settings: settings)
        var burstSettings = settings
        burstSettings.days = 1
        burstSettings.endEpochSeconds = Self.burstEnd
        burstSettings.seed = settings.seed + 1
        var burst = SampleEventFactory(settings: burstSettings)
        let samples = EventSource.allCases.flatMap { source in
            (0..<Self.eventsPerSource).map { _ in factory.next(source: source) } + (0..<Self.burstPerSource).map { _ in burst.next(source: source) }
        }.shuffled()
        let events = try samples.enumerated().map { index, sample in
            ConsumedEvent(
                event: try EventRecord(decoding: sample.json, format: EventFormat(source: sample.source)),
                payload: sample.json,
                partition: KafkaTopicPartition(topic: "events.test", partition: 0),
                offset: Int64(index)
            )
        }
        let writer = BatchWriter(client: client, groupID: "reporter-test", partitions: EventPartitions(client: client, logger: testLogger))
        for start in stride(from: 0, to: events.count, by: 800) {
            let batch = Array(events[start..<min(start + 800, events.count)])
            _ = try await writer.write(batch, through: [batch[0].partition: batch[batch.count - 1].offset + 1])
        }
    }
}
