import EventModel
import Foundation
import LoadGenerator
import TestInfrastructure
import Testing

/// The `eventplatform collector` executable, killed and restarted: nothing lost, nothing doubled.
@Suite struct CollectorProcessTests {
    @Test func aCollectorKilledMidStreamAndRestartedStoresExactlyWhatWasPublished() async throws {
        let kafka = try TestKafka()
        let topic = try await kafka.makeTopic("collector-kill")
        let executable = try ChildProcess.eventplatformExecutable()
        try await TestDatabase.with { database in
            let group = TestEnvironment.uniqueName("collector-kill")
            let arguments = [
                executable, "collector", "--source", "tiktok", "--topic", topic, "--group", group,
                "--dlq-topic", topic + "-dlq", "--database-url", database.url, "--brokers", kafka.brokers,
                "--port", "0", "--batch-size", "250", "--batch-wait-ms", "50", "--retention-days", "0",
                "--partitions", "3", "--log-level", "notice",
            ]
            let log = "/tmp/\(group).log"
            var published: [SampleEvent] = []
            // Kill at different moments: as soon as anything is stored, and after more of the stream.
            for (round, growth) in [1, 900, 2_300].enumerated() {
                let events = sampleEvents(.tiktok, count: 2_000)
                try await kafka.publish(events, to: topic)
                published += events
                let before = try await database.totals().raw
                let process = try ChildProcess(arguments, logPath: log)
                let grew = try await eventually { try await database.totals().raw >= min(before + growth, published.count) }
                #expect(grew, "round \(round): the collector stored nothing new, see \(log)")
                let status = await process.stop(SIGKILL)
                #expect(status & 0x7f == SIGKILL, "round \(round): killed by SIGKILL")
                let after = try await database.totals()
                // Whatever was stored so far is stored exactly once, with its aggregates.
                #expect(after.raw == after.keys && after.raw == after.counted, "round \(round): \(after)")
            }
            let last = sampleEvents(.tiktok, count: 1_000)
            // The last one runs as `up` runs collectors: at a lower CPU share, in a session of its own.
            let process = try ChildProcess(["/usr/bin/setsid"] + arguments + ["--niceness", "7"], logPath: log)
            try await kafka.publish(last, to: topic)
            published += last
            let drained = try await eventually {
                try await CollectorIntegrationTests.handled(database, group: group) == published.count
            }
            #expect(drained, "see \(log)")
            let niceness = try String(contentsOfFile: "/proc/\(process.pid)/autogroup", encoding: .utf8)
            #expect(niceness.hasSuffix(" nice 7\n"), "its autogroup: \(niceness)")
            let status = await process.stop(SIGTERM)
            #expect(status == 0, "a graceful shutdown exits 0, see \(log)")
            #expect(try await database.totals() == StoredTotals(expecting: published))
            try? FileManager.default.removeItem(atPath: log)
        }
    }
}
