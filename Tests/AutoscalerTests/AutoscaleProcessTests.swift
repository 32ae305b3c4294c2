import EventModel
import Foundation
import Kafka
import TestInfrastructure
import Testing

/// `eventplatform autoscale` against the real broker and PostgreSQL: collector processes scaled by lag.
@Suite(.serialized) struct AutoscaleProcessTests {
    /// A 300,000-event backlog in a 6-partition topic: the group scales out within two polling intervals,
    /// never above the partitions, and back in to the minimum once drained and the window has passed; every
    /// event is stored exactly once across every scale-out and scale-in.
    @Test func aBacklogSpikeScalesOutAndBackInWithExactTotals() async throws {
        let brokers = try TestEnvironment.kafkaBrokers()
        let prefix = TestEnvironment.uniqueName("spike") + "."
        let topic = prefix + "events.facebook", group = prefix + "collector-facebook"
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: brokers), logger: testLogger)
        try await admin.createTopics([KafkaNewTopic(name: topic, partitions: 6), KafkaNewTopic(name: prefix + "events.dlq", partitions: 1)])
        let ids = try await produce(300_000, of: .facebook, to: topic, brokers: brokers)

        try await ScratchDatabase.with(prefix: "autoscale_spike", logger: testLogger) { url, client in
            let polling = 2
            try await AutoscalerUnderTest.with(source: .facebook, prefix: prefix, brokers: brokers, databaseURL: url, flags: [
                "--polling-interval", String(polling), "--lag-threshold", "50000", "--scale-down-stabilization", "10",
            ]) { autoscaler in
                // The first decision (at start) sees the whole backlog: 6 replicas (300,000 / 50,000), all the partitions.
                let scaledOut = try await eventually(timeout: .seconds(Double(2 * polling) + 5)) {
                    try await autoscaler.metric("autoscaler_replicas", group: group) == 6
                }
                #expect(scaledOut, "not at 6 replicas within two polling intervals; log: \(autoscaler.log)")
                let lagSeconds = try await eventually(timeout: .seconds(30)) {
                    try await autoscaler.metric("kafka_consumergroup_lag_seconds", group: group) ?? 0 > 0
                }
                #expect(lagSeconds, "no lag in seconds while the backlog waits")
                var highest = 0.0
                let drained = try await eventually(timeout: .seconds(300), every: .milliseconds(500)) {
                    highest = max(highest, try await autoscaler.metric("autoscaler_replicas", group: group) ?? 0)
                    guard try await eventsTableExists(client) else { return false }
                    return try await storedCounts(client).raw >= ids.count
                }
                let storedAfterDrain = try await storedCounts(client)
                #expect(drained, "stored \(storedAfterDrain) of \(ids.count); log: \(autoscaler.log)")
                let scaledIn = try await eventually(timeout: .seconds(120), every: .milliseconds(500)) {
                    highest = max(highest, try await autoscaler.metric("autoscaler_replicas", group: group) ?? 0)
                    guard try await autoscaler.metric("autoscaler_replicas", group: group) == 1 else { return false }
                    return try await autoscaler.metric("autoscaler_desired_replicas", group: group) == 1
                }
                #expect(scaledIn, "not back to 1 replica; log: \(autoscaler.log)")
                #expect(highest == 6, "never above the partitions")
                #expect(try await autoscaler.metric("kafka_consumergroup_lag_total", group: group) == 0)
                #expect(try await autoscaler.metric("kafka_consumergroup_status", group: group, extra: ",status=\"ok\"") == 1)
                let status = await autoscaler.process.stop(SIGTERM)
                #expect(status == 0, "a graceful stop exits 0; log: \(autoscaler.log)")
                let stored = try await storedCounts(client)
                #expect(stored.raw == ids.count && stored.distinct == ids.count, "stored \(stored), produced \(ids.count)")
            }
        }
    }

    /// A collector killed with SIGKILL is restarted (and counted); the totals stay exact.
    @Test func aKilledCollectorIsRestartedAndTheTotalsStayExact() async throws {
        let brokers = try TestEnvironment.kafkaBrokers()
        let prefix = TestEnvironment.uniqueName("restart") + "."
        let topic = prefix + "events.tiktok", group = prefix + "collector-tiktok"
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: brokers), logger: testLogger)
        try await admin.createTopics([KafkaNewTopic(name: topic, partitions: 6), KafkaNewTopic(name: prefix + "events.dlq", partitions: 1)])
        var ids = try await produce(20_000, of: .tiktok, to: topic, brokers: brokers, seed: 11)

        try await ScratchDatabase.with(prefix: "autoscale_restart", logger: testLogger) { url, client in
            try await AutoscalerUnderTest.with(source: .tiktok, prefix: prefix, brokers: brokers, databaseURL: url, flags: [
                "--polling-interval", "1", "--max-replicas", "1",
            ]) { autoscaler in
                let storing = try await eventually(timeout: .seconds(120)) {
                    guard try await eventsTableExists(client) else { return false }
                    return try await storedCounts(client).raw > 0
                }
                #expect(storing, "log: \(autoscaler.log)")
                let first = try #require(try autoscaler.startedCollectors().first)
                kill(first, SIGKILL)
                let restarted = try await eventually(timeout: .seconds(30)) {
                    guard try autoscaler.startedCollectors().count == 2 else { return false }
                    return try await autoscaler.metric("autoscaler_restarts_total", group: group) == 1
                }
                #expect(restarted, "no restart after SIGKILL; log: \(autoscaler.log)")
                #expect(autoscaler.logContains("a collector exited unexpectedly"))
                ids.formUnion(try await produce(5_000, of: .tiktok, to: topic, brokers: brokers, seed: 12))
                let drained = try await eventually(timeout: .seconds(180), every: .milliseconds(500)) {
                    try await storedCounts(client).raw >= ids.count
                }
                #expect(drained, "log: \(autoscaler.log)")
                #expect(await autoscaler.process.stop(SIGTERM) == 0)
                let stored = try await storedCounts(client)
                #expect(stored.raw == ids.count && stored.distinct == ids.count, "stored \(stored), produced \(ids.count)")
            }
        }
    }

    /// The broker frozen for longer than several polls: no scale-in (the autoscaler holds and says so in
    /// a log line and a metric), and it recovers by itself once the broker answers again.
    @Test func anUnreachableBrokerNeverScalesIn() async throws {
        let broker = try PrivateBroker()
        let prefix = TestEnvironment.uniqueName("outage") + "."
        let topic = prefix + "events.app", group = prefix + "collector-app"
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: broker.address), logger: testLogger)
        try await admin.createTopics([KafkaNewTopic(name: topic, partitions: 6), KafkaNewTopic(name: prefix + "events.dlq", partitions: 1)])
        let ids = try await produce(60_000, of: .app, to: topic, brokers: broker.address, seed: 13)

        try await ScratchDatabase.with(prefix: "autoscale_outage", logger: testLogger) { url, client in
            try await AutoscalerUnderTest.with(source: .app, prefix: prefix, brokers: broker.address, databaseURL: url, flags: [
                "--polling-interval", "1", "--lag-threshold", "10000", "--scale-down-stabilization", "2",
            ]) { autoscaler in
                let scaledOut = try await eventually(timeout: .seconds(30)) {
                    try await autoscaler.metric("autoscaler_replicas", group: group) == 6
                }
                #expect(scaledOut, "log: \(autoscaler.log)")
                broker.pause()
                let failuresBefore = try await autoscaler.metric("autoscaler_lag_read_failures_total", group: group) ?? 0
                // Longer than the stabilisation window: a failed read taken for "no lag" would scale in now.
                let outageEnd = ContinuousClock.now + .seconds(8)
                var lowest = 6.0
                while ContinuousClock.now < outageEnd {
                    lowest = min(lowest, try await autoscaler.metric("autoscaler_replicas", group: group) ?? 0)
                    lowest = min(lowest, try await autoscaler.metric("autoscaler_desired_replicas", group: group) ?? 0)
                    try await Task.sleep(for: .milliseconds(250))
                }
                let failuresDuring = try await autoscaler.metric("autoscaler_lag_read_failures_total", group: group) ?? 0
                broker.resume()
                #expect(lowest == 6, "scaled in during the outage")
                #expect(failuresDuring > failuresBefore, "the failed reads were not counted")
                #expect(autoscaler.logContains("lag read failed; holding the collectors"))
                // Recovery: everything stored, and the group back at its minimum.
                let recovered = try await eventually(timeout: .seconds(240), every: .milliseconds(500)) {
                    guard try await eventsTableExists(client), try await storedCounts(client).raw >= ids.count else { return false }
                    return try await autoscaler.metric("autoscaler_replicas", group: group) == 1
                }
                let storedAtRecovery = try await storedCounts(client)
                #expect(recovered, "stored \(storedAtRecovery) of \(ids.count); log: \(autoscaler.log)")
                #expect(await autoscaler.process.stop(SIGTERM) == 0)
                let stored = try await storedCounts(client)
                #expect(stored.raw == ids.count && stored.distinct == ids.count)
            }
        }
    }
}
