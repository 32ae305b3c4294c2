import EventPublisher
import Foundation
import LoadGenerator
import Logging
import Synchronization

/// The baseline: every record straight into librdkafka, then wait for every delivery report.
enum RawProducerRun {
    static func measure(
        _ events: [SampleEvent], topic: String, configuration: PublisherConfiguration, logger: Logger
    ) async throws -> (seconds: Double, rate: Double) {
        let delivered = BenchCounter(), failed = BenchCounter()
        let done = AsyncStream<Void>.makeStream()
        let total = events.count
        let producer = try KafkaProducer(configuration: configuration.kafkaConfiguration, logger: logger) { reports in
            // Id 0 is the warm-up record, outside the count.
            let measured = reports.filter { $0.id != 0 }
            _ = failed.add(measured.filter { $0.error != nil }.count)
            if delivered.add(measured.count) == total { done.continuation.finish() }
        }
        let records = events.map { KafkaProducerRecord(topic: topic, key: Array($0.userId.utf8), value: $0.json, headers: benchHeaders) }
        // Warm-up outside the clock: connection, metadata and producer id, as for the library run.
        try producer.produce(KafkaProducerRecord(topic: topic, value: Array("warm-up".utf8)), id: 0)
        try await producer.flush(timeout: .seconds(30))
        let start = ContinuousClock.now
        for (index, record) in records.enumerated() {
            // As librdkafka's own tools do: when its queue is full, wait a moment and retry.
            while true {
                do {
                    try producer.produce(record, id: UInt64(index + 1))
                    break
                } catch {
                    guard error.code == .queueFull else { throw error }
                }
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        for await _ in done.stream {}
        let seconds = (ContinuousClock.now - start).inSeconds
        await producer.close(timeout: .seconds(10))
        guard failed.value == 0 else { throw BenchFailure("\(failed.value) raw deliveries failed") }
        return (seconds, Double(total) / seconds)
    }
}

/// The library: `tasks` concurrent producers enqueue their share, then one flush waits for all.
enum LibraryRun {
    static func measure(
        _ events: [SampleEvent], topic: String, tasks: Int, configuration: PublisherConfiguration, logger: Logger
    ) async throws -> (seconds: Double, rate: Double) {
        let records = events.map { KafkaProducerRecord(topic: topic, key: Array($0.userId.utf8), value: $0.json, headers: benchHeaders) }
        let failed = BenchCounter()
        return try await withRunningPublisher(configuration, logger: logger) { publisher in
            _ = try await publisher.publish(KafkaProducerRecord(topic: topic, value: Array("warm-up".utf8)))
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        for index in stride(from: task, to: records.count, by: tasks) {
                            try await publisher.enqueue(records[index]) { result in
                                if case .failure = result { _ = failed.add(1) }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            await publisher.flush()
            let seconds = (ContinuousClock.now - start).inSeconds
            guard failed.value == 0 else { throw BenchFailure("\(failed.value) library deliveries failed") }
            return (seconds, Double(records.count) / seconds)
        }
    }
}

/// `publish` (which waits for the acknowledgement) called at a fixed rate; latency per call.
enum LatencyRun {
    static func measure(
        _ events: [SampleEvent], topic: String, rate: Int, seconds: Int, configuration: PublisherConfiguration, logger: Logger
    ) async throws -> (p50: Double, p90: Double, p99: Double, count: Int, flushes: [BatchPolicy.FlushReason: Int]) {
        let count = min(rate * seconds, events.count)
        let latencies = BenchSamples()
        let flushes = try await withRunningPublisher(configuration, logger: logger) { publisher in
            _ = try await publisher.publish(KafkaProducerRecord(topic: topic, value: Array("warm-up".utf8)))
            let start = ContinuousClock.now
            let interval = Duration.seconds(1) / rate
            try await withThrowingDiscardingTaskGroup { group in
                for index in 0..<count {
                    // Pace by the schedule, not by the previous call: a slow call must not lower the rate.
                    try await Task.sleep(until: start + interval * index, clock: .continuous)
                    let record = KafkaProducerRecord(topic: topic, key: Array(events[index].userId.utf8), value: events[index].json, headers: benchHeaders)
                    group.addTask {
                        let began = ContinuousClock.now
                        _ = try await publisher.publish(record)
                        let elapsed = (ContinuousClock.now - began).inSeconds
                        latencies.append(elapsed)
                    }
                }
            }
            return publisher.status.flushes
        }
        let sorted = latencies.values.sorted()
        guard !sorted.isEmpty else { throw BenchFailure("no latency samples") }
        func percentile(_ share: Int) -> Double { sorted[min(sorted.count - 1, sorted.count * share / 100)] }
        return (percentile(50), percentile(90), percentile(99), sorted.count, flushes)
    }
}

let benchHeaders = [
    KafkaHeader(name: "correlation-id", value: "bench"),
    KafkaHeader(name: "content-type", value: "application/json"),
    KafkaHeader(name: "schema-version", value: "1"),
]

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// A counter shared by delivery callbacks.
final class BenchCounter: Sendable {
    private let count = Atomic<Int>(0)

    /// Adds `amount` and returns the new total.
    func add(_ amount: Int) -> Int { count.add(amount, ordering: .relaxed).newValue }
    var value: Int { count.load(ordering: .relaxed) }
}

/// Latency samples collected from concurrent tasks.
final class BenchSamples: Sendable {
    private let samples = Mutex<[Double]>([])

    func append(_ sample: Double) { samples.withLock { $0.append(sample) } }
    var values: [Double] { samples.withLock { $0 } }
}
