import EventModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Kafka
import LoadGenerator
import Logging
import Postgres
import ServiceSupport
import TestInfrastructure

let testLogger: Logger = {
    var logger = Logger(label: "autoscaler-tests")
    logger.logLevel = .notice
    return logger
}()

/// `eventplatform autoscale` for one source, run as a user runs it, with its /metrics read over HTTP.
struct AutoscalerUnderTest {
    let process: ChildProcess
    let port: Int
    let log: String

    /// Runs `body` with the autoscaler for `source`'s group under `prefix` (with `flags` added); kills it
    /// afterwards if `body` did not stop it.
    static func with(
        source: EventSource, prefix: String, brokers: String, databaseURL: String, flags: [String],
        _ body: (AutoscalerUnderTest) async throws -> Void
    ) async throws {
        let autoscaler = try AutoscalerUnderTest(source: source, prefix: prefix, brokers: brokers, databaseURL: databaseURL, flags: flags)
        do {
            try await body(autoscaler)
        } catch {
            await autoscaler.process.stop(SIGKILL)
            throw error
        }
        await autoscaler.process.stop(SIGKILL)
    }

    private init(source: EventSource, prefix: String, brokers: String, databaseURL: String, flags: [String]) throws {
        port = try freeLoopbackPort()
        log = "/tmp/\(TestEnvironment.uniqueName("autoscaler")).log"
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = "info"
        environment["COLLECTOR_BATCH_WAIT_MS"] = "50"
        // Not the local Prometheus's list of the platform's collectors.
        environment["AUTOSCALER_SCRAPE_TARGETS_FILE"] = nil
        process = try ChildProcess(
            [try ChildProcess.eventplatformExecutable(), "autoscale", "--source", source.rawValue, "--topic-prefix", prefix,
             "--brokers", brokers, "--database-url", databaseURL, "--autoscaler-port", String(port)] + flags,
            environment: environment, logPath: log)
    }

    /// The samples of `/metrics`, keyed by `name{labels}` as Prometheus writes them.
    func metrics() async throws -> [String: Double] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        var samples: [String: Double] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    /// One metric of the group, e.g. `autoscaler_replicas`.
    func metric(_ name: String, group: String, extra: String = "") async throws -> Double? {
        try await metrics()["\(name){group=\"\(group)\"\(extra)}"]
    }

    /// The pids of the collectors the autoscaler said it started, in order.
    func startedCollectors() throws -> [Int32] {
        try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("started a collector") }
            .compactMap { line in line.split(separator: " ").first { $0.hasPrefix("pid=") }.flatMap { Int32($0.dropFirst(4)) } }
    }

    func logContains(_ text: String) -> Bool {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains(text)
    }
}

/// `count` valid events of `source` produced straight into `topic` (keyed by user id); returns their ids.
func produce(_ count: Int, of source: EventSource, to topic: String, brokers: String, seed: UInt64 = 7) async throws -> Set<String> {
    var settings = SampleEventFactory.Settings()
    settings.seed = seed
    var factory = SampleEventFactory(settings: settings)
    let producer = try KafkaProducer(configuration: .producer(brokers: brokers), logger: testLogger) { _ in }
    var ids = Set<String>()
    for index in 0..<count {
        let event = factory.next(source: source)
        ids.insert(event.eventId)
        try producer.produce(KafkaProducerRecord(topic: topic, key: Array(event.userId.utf8), value: event.json), id: UInt64(index))
        if index % 50_000 == 49_999 { try await producer.flush(timeout: .seconds(60)) }
    }
    try await producer.flush(timeout: .seconds(60))
    await producer.close(timeout: .seconds(5))
    return ids
}

/// Stored raw events and distinct (source, event id) keys.
func storedCounts(_ client: PostgresClient) async throws -> (raw: Int, distinct: Int) {
    let rows = try await client.query("SELECT count(*) AS raw, count(DISTINCT event_id) AS ids FROM events")
    return (try rows[0].decode(Int.self, column: "raw"), try rows[0].decode(Int.self, column: "ids"))
}

/// Whether the table `events` exists yet (the collectors migrate on start).
func eventsTableExists(_ client: PostgresClient) async throws -> Bool {
    try await client.query("SELECT to_regclass('public.events') IS NOT NULL AS present")[0].decode(Bool.self, column: "present")
}
