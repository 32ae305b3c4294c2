import EventModel
public import EventPublisher
import Foundation
import Hummingbird
public import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// Measures the gateway on one bulk request (issue 4: a 50,000-event request answered 202), end to end
/// over HTTP on loopback against a real broker, and the parts of it alone: parse and validate, and
/// publishing the same events. Build with `-c release` for meaningful figures.
public enum GatewayBenchmark {
    /// Durations of each repetition, fastest first.
    public struct Report: Sendable, CustomStringConvertible {
        public var events: Int
        public var bodyBytes: Int
        /// POST to 202 over HTTP: the whole request as a client sees it.
        public var request: [Duration]
        /// `EventRequest.parse` and deduplication of the body, alone.
        public var parseAndValidate: [Duration]
        /// One `publishAll` of the request's events until Kafka acknowledged them all, alone.
        public var publish: [Duration]

        public var description: String {
            func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }
            func text(_ values: [Duration]) -> String {
                let sorted = values.sorted()
                return "median \(median(values).formattedMilliseconds), best \(sorted[0].formattedMilliseconds), worst \(sorted[sorted.count - 1].formattedMilliseconds)"
            }
            let request = median(self.request)
            return """
                gateway bulk request: \(events) events, \(bodyBytes / 1_000_000) MB, \(self.request.count) runs
                  POST -> 202:       \(text(self.request)) (\(Int(Double(events) / request.seconds)) events/s)
                  parse + validate:  \(text(parseAndValidate)) (\(Int(100 * median(parseAndValidate).seconds / request.seconds))% of the request)
                  publish (acked):   \(text(publish)) (\(Int(100 * median(publish).seconds / request.seconds))% of the request)
                """
        }
    }

    /// Runs a gateway on a free loopback port with `configuration`'s topics (created where missing),
    /// POSTs `body` to `/webhook/events/bulk` `repetitions` times, then times parsing and publishing
    /// the same events on their own. Every repetition publishes the events again (they are accepted
    /// again; collectors deduplicate them).
    public static func bulkRequest(
        body: [UInt8],
        configuration: GatewayConfiguration,
        publisher publisherConfiguration: PublisherConfiguration,
        repetitions: Int = 5,
        logger: Logger
    ) async throws -> Report {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        try await configuration.topics.createMissing(
            brokers: publisherConfiguration.brokers, partitions: configuration.topicPartitions, logger: logger)

        var parseTimes: [Duration] = []
        var parsed: EventRequest?
        for _ in 0..<repetitions {
            let start = ContinuousClock.now
            let request = try EventRequest.parse(body, shape: .bulk, maximumEvents: configuration.maximumEventsPerRequest)
            _ = request.deduplicated()
            parseTimes.append(.now - start)
            parsed = request
        }
        guard let parsed else { return Report(events: 0, bodyBytes: body.count, request: [], parseAndValidate: [], publish: []) }
        let records = parsed.deduplicated().records.map {
            KafkaProducerRecord(topic: configuration.topics[$0.source], key: Array($0.userId.utf8), value: Array(parsed.bytes(of: $0)))
        }

        let publisher = try Publisher(configuration: publisherConfiguration, logger: logger)
        let registry = PrometheusCollectorRegistry()
        let port = PortBox()
        let app = try makeApplication(
            configuration: configuration, publisher: publisher, registry: registry,
            metricsFactory: PrometheusMetricsFactory(registry: registry), logger: logger,
            onServerRunning: { channel in port.set(channel.localAddress?.port ?? 0) }
        )
        let services = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            defer { group.cancelAll() }
            do {
                let bound = await port.value()
                var requestTimes: [Duration] = []
                for _ in 0..<repetitions {
                    let start = ContinuousClock.now
                    let status = try LoopbackHTTPClient.post(port: bound, path: "/webhook/events/bulk", body: body)
                    requestTimes.append(.now - start)
                    guard status == 202 else { throw BenchmarkFailed(description: "the gateway answered \(status), not 202") }
                }
                var publishTimes: [Duration] = []
                for _ in 0..<repetitions {
                    let start = ContinuousClock.now
                    let results = try await publisher.publishAll(records)
                    publishTimes.append(.now - start)
                    guard results.allSatisfy({ if case .success = $0 { true } else { false } }) else {
                        throw BenchmarkFailed(description: "Kafka refused some events")
                    }
                }
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
                return Report(
                    events: parsed.items.count, bodyBytes: body.count,
                    request: requestTimes, parseAndValidate: parseTimes, publish: publishTimes)
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }

    /// Why a benchmark run stopped.
    public struct BenchmarkFailed: Error, CustomStringConvertible {
        public let description: String
    }
}

/// The port the server bound, handed from its start-up callback to the benchmark.
private final class PortBox: Sendable {
    private let state = Mutex<(port: Int?, waiter: CheckedContinuation<Int, Never>?)>((nil, nil))

    func set(_ port: Int) {
        state.withLock { state -> CheckedContinuation<Int, Never>? in
            state.port = port
            defer { state.waiter = nil }
            return state.waiter
        }?.resume(returning: port)
    }

    func value() async -> Int {
        await withCheckedContinuation { continuation in
            let port = state.withLock { state -> Int? in
                if state.port == nil { state.waiter = continuation }
                return state.port
            }
            if let port { continuation.resume(returning: port) }
        }
    }
}

/// A minimal HTTP/1.1 client over a blocking socket: one POST, the status of the answer. Enough for
/// a benchmark on loopback, with no HTTP client library in the gateway.
private enum LoopbackHTTPClient {
    static func post(port: Int, path: String, body: [UInt8]) throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw GatewayBenchmark.BenchmarkFailed(description: "no socket") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw GatewayBenchmark.BenchmarkFailed(description: "cannot connect to port \(port)") }
        let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        try writeAll(socket, Array(head.utf8))
        try writeAll(socket, body)
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = read(socket, &buffer, buffer.count)
            guard count > 0 else { break }
            answer += buffer[0..<count]
        }
        // "HTTP/1.1 202 Accepted"
        let statusLine = String(decoding: answer.prefix(while: { $0 != 0x0D }), as: UTF8.self).split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw GatewayBenchmark.BenchmarkFailed(description: "no HTTP answer")
        }
        return status
    }

    private static func writeAll(_ socket: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(socket, $0.baseAddress, $0.count) }
            guard written > 0 else { throw GatewayBenchmark.BenchmarkFailed(description: "write failed") }
            offset += written
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    var formattedMilliseconds: String { String(format: "%.1f ms", seconds * 1000) }
}
