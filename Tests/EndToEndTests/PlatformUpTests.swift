import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import ServiceSupport
import TestInfrastructure
import Testing

private let testLogger: Logger = {
    var logger = Logger(label: "end-to-end-tests")
    logger.logLevel = .notice
    return logger
}()

/// The README's journey, automated: `eventplatform up` with its load generator, Ctrl-C in the middle of
/// the traffic, and a restart; the reports must count exactly what the load generator was told was accepted.
@Suite struct PlatformUpTests {
    @Test func reportsCountWhatWasAcceptedAcrossCtrlCAndRestart() async throws {
        let executable = try ChildProcess.eventplatformExecutable()
        try await ScratchDatabase.with(prefix: "e2e_test", logger: testLogger) { url, client in
            let gatewayPort = try freeLoopbackPort(), reporterPort = try freeLoopbackPort()
            var environment = ProcessInfo.processInfo.environment
            environment["DATABASE_URL"] = url
            environment["KAFKA_TOPIC_PREFIX"] = TestEnvironment.uniqueName("e2e") + "."
            environment["GATEWAY_PORT"] = "\(gatewayPort)"
            environment["REPORTER_PORT"] = "\(reporterPort)"
            environment["COLLECTOR_PORT_BASE"] = "0"
            environment["AUTOSCALER_PORT"] = "0"
            // Not the local Prometheus's list of the platform's collectors.
            environment["AUTOSCALER_SCRAPE_TARGETS_FILE"] = nil
            environment["LOG_LEVEL"] = "warning"
            let log = "/tmp/\(TestEnvironment.uniqueName("e2e-up")).log"

            // 1. Up, with traffic paced so that Ctrl-C lands in the middle of it.
            let first = try ChildProcess(
                [executable, "up", "--count", "1000000", "--rate", "4000", "--batch", "200", "--clients", "2", "--invalid-share", "0.05"],
                environment: environment, logPath: log)
            // Ctrl-C once every source's collector stores events (so all three groups are formed) while the
            // load generator still sends.
            let reportURL = URL(string: "http://127.0.0.1:\(reporterPort)/reports/events?\(Self.sampleTrafficRange)&groupBy=source")!
            let trafficFlowing = try await eventually(timeout: .seconds(120)) {
                try await Self.report(reportURL).groups.count == 3
            }
            #expect(trafficFlowing, "not every source's events reached the reports (\(reportURL)); log: \(log)")
            let status = await first.stop(SIGINT)
            #expect(Self.exitCode(status) == 0, "up did not exit cleanly on Ctrl-C (wait status \(status)); log: \(log)")
            #expect(!Self.isListening(port: gatewayPort) && !Self.isListening(port: reporterPort), "a server outlived Ctrl-C")

            let output = try String(contentsOfFile: log, encoding: .utf8)
            guard let summary = Self.summary(in: output) else {
                Issue.record("no 'traffic stopped' summary after Ctrl-C; log: \(log)")
                return
            }
            #expect(summary.accepted > 0 && summary.sent < 1_000_000, "Ctrl-C did not land in the middle of the traffic: \(summary)")
            #expect(summary.rejected > 0, "the invalid share was not rejected: \(summary)")

            // 2. Restart without traffic: the collectors store what Kafka still held; the report counts every
            // accepted event once. Requests cut off by the shutdown (`errors`) may or may not have landed.
            // Generous: on a loaded CI machine the new members take longer to join their groups.
            let second = try ChildProcess([executable, "up", "--no-traffic"], environment: environment, logPath: log)
            var total = -1
            let settled = try await eventually(timeout: .seconds(240)) {
                total = try await Self.report(reportURL).total
                return total >= summary.accepted && total <= summary.accepted + summary.errors
            }
            if !settled {
                // Unconsumed (lag) or lost (no lag): the consumer groups' lag tells which.
                let lagLog = log + ".lag"
                _ = await (try ChildProcess([executable, "lag"], environment: environment, logPath: lagLog)).waitForExit()
                Issue.record("consumer group lag when the total did not settle: \((try? String(contentsOfFile: lagLog, encoding: .utf8)) ?? "none")")
            }
            #expect(settled, "report total \(total), load generator accepted \(summary.accepted) (errors \(summary.errors)); log: \(log)")
            let stored = try await client.query("SELECT count(*) AS raw, count(DISTINCT (source, event_id)) AS ids FROM events")[0]
            let raw = try stored.decode(Int.self, column: "raw"), ids = try stored.decode(Int.self, column: "ids")
            let groups = try await Self.report(reportURL).groups
            #expect(raw == total, "the report (\(total), \(groups)) and the raw events (\(raw)) disagree")
            #expect(ids == raw, "an event is stored twice: \(raw) rows, \(ids) distinct")

            let secondStatus = await second.stop(SIGINT)
            #expect(Self.exitCode(secondStatus) == 0, "up did not exit cleanly on the second Ctrl-C; log: \(log)")
        }
    }

    /// `from` and `to` around the sample traffic's days (the 28 before today), with a day to spare at each end.
    static var sampleTrafficRange: String {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withFullDate]
        let day = { (offset: Double) in format.string(from: Date(timeIntervalSinceNow: offset * 86_400)) }
        return "from=\(day(-29))&to=\(day(1))"
    }

    struct TrafficSummary: CustomStringConvertible {
        var sent = 0, accepted = 0, rejected = 0, duplicates = 0, errors = 0
        var description: String { "sent \(sent), accepted \(accepted), rejected \(rejected), errors \(errors)" }
    }

    /// `traffic stopped: 1200 sent: 1100 accepted, 60 rejected, 0 duplicates, 40 errors`.
    static func summary(in log: String) -> TrafficSummary? {
        guard let line = log.split(separator: "\n").last(where: { $0.hasPrefix("traffic stopped: ") }) else { return nil }
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard numbers.count == 5 else { return nil }
        return TrafficSummary(sent: numbers[0], accepted: numbers[1], rejected: numbers[2], duplicates: numbers[3], errors: numbers[4])
    }

    /// `/reports/events` grouped: its total and the groups with a non-zero count.
    static func report(_ url: URL) async throws -> (total: Int, groups: [String: Int]) {
        let (data, response) = try await URLSession.shared.data(from: url)
        guard (response as? HTTPURLResponse)?.statusCode == 200,
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let total = object["total"] as? Int,
              let groups = object["groups"] as? [[String: Any]] else { return (-1, [:]) }
        var counts: [String: Int] = [:]
        for group in groups {
            if let key = group["key"] as? String, let count = group["count"] as? Int, count > 0 { counts[key] = count }
        }
        return (total, counts)
    }

    static func exitCode(_ status: Int32) -> Int32? { (status & 0x7f) == 0 ? (status >> 8) & 0xff : nil }

    static func isListening(port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
