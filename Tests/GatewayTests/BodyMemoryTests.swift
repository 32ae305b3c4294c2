import EventPublisher
import Foundation
@testable import Gateway
import Hummingbird
import HummingbirdTesting
import Prometheus
import TestInfrastructure
import Testing

/// What one request, and all of them together, may cost the gateway in memory and connections.
@Suite struct BodyMemoryTests {
    @Test func theBudgetTakesWhatFitsAndGetsItBack() {
        let budget = BodyMemoryBudget(capacity: 100)
        let first = BodyReservation(budget: budget)
        #expect(first.take(60))
        let second = BodyReservation(budget: budget)
        #expect(!second.take(41), "over the capacity")
        #expect(second.take(40))
        #expect(budget.inUse == 100)
        first.releaseAll()
        #expect(budget.inUse == 40)
        second.releaseAll()
        second.releaseAll()
        #expect(budget.inUse == 0)
    }

    /// Nothing bounded the bodies held at once: every request read its body whatever the others held.
    @Test func bodiesBeyondTheMemoryBudgetAnswer503() async throws {
        try await withLiveGateway(configure: {
            $0.maximumBodyBytes = 10_000
            $0.maximumBodyMemory = 50_000
            $0.requestTimeout = .seconds(5)
        }) { port, client, registry in
            // Announces 9,000 bytes (45,000 reserved) and sends only the start.
            let slow = try RawHTTPConnection(port: port)
            try slow.write(Array("POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Length: 9000\r\n\r\n{\"events\":[".utf8))
            let held = try await eventually(timeout: .seconds(10)) {
                registry.emitToString().contains("gateway_body_memory_bytes 45000")
            }
            #expect(held, "the slow request's reservation is not shown")
            let body = SampleEvents.bulk((0..<6).map { _ in SampleEvents.product() })
            #expect(body.utf8.count > 1_000)
            let refused = try await client.execute(uri: "/events", method: .post, body: ByteBuffer(string: body))
            #expect(refused.status == .serviceUnavailable, "a body over the remaining budget was read")
            let answer = await slow.readAnswer()
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            // The slow request gives its share back (its route task resumes after the 408 is written).
            #expect(try await eventually(timeout: .seconds(10)) { registry.emitToString().contains("gateway_body_memory_bytes 0") })
            #expect(try await client.execute(uri: "/events", method: .post, body: ByteBuffer(string: body)).status == .accepted)
        }
    }

    /// Hummingbird's idle timeout was off: a client that connects and sends nothing held its connection for ever.
    @Test func idleConnectionsAreClosed() async throws {
        try await withLiveGateway(configure: { $0.idleTimeout = .milliseconds(300) }) { port, _, _ in
            // The client's own read timeout is long: on the shared two cores of a full test run the 300 ms
            // timer has been seen to fire seconds late; what matters is that the server closes at all.
            let idle = try RawHTTPConnection(port: port, readTimeoutSeconds: 60)
            let started = ContinuousClock.now
            let answer = await idle.readAnswer()
            #expect(answer.isEmpty)
            #expect(ContinuousClock.now - started < .seconds(45), "closed by the server, not by the read timeout")
        }
    }

    /// A client that announces a body over the limit and sends it anyway (as Python's urllib does) gets its
    /// 413 without the gateway holding the body.
    @Test func aBodyAnnouncedOverTheLimitIsAnswered413WhileItIsStillSent() async throws {
        try await withLiveGateway(configure: { $0.maximumBodyBytes = 2_048 }) { port, client, _ in
            let connection = try RawHTTPConnection(port: port)
            let size = 8 * 1024 * 1024
            try connection.write(Array("POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(size)\r\n\r\n".utf8))
            try await connection.writeOffThePool([UInt8](repeating: UInt8(ascii: " "), count: size))
            let answer = await connection.readAnswer()
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
            let normal = try await client.execute(
                uri: "/events", method: .post, body: ByteBuffer(string: SampleEvents.bulk([SampleEvents.product()])))
            #expect(normal.status == .accepted)
        }
    }
}

extension RawHTTPConnection {
    /// Writes `bytes` on a thread of its own: a large write blocks until the server has read most of it,
    /// and on the cooperative pool (two threads here) it would hold a thread the server and every other
    /// test need.
    func writeOffThePool(_ bytes: [UInt8]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                do {
                    try self.write(bytes)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
