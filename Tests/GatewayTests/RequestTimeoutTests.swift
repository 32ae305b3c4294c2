import EventPublisher
import Foundation
@testable import Gateway
import HTTPService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import Prometheus
import TestInfrastructure
import Testing

/// A client that does not finish sending its body gets 408 once the request timeout has passed; the
/// gateway keeps serving others.
@Suite struct RequestTimeoutTests {
    @Test func slowBodyAnswers408() async throws {
        try await withLiveGateway(configure: { $0.requestTimeout = .milliseconds(300) }) { port, client, _ in
            let connection = try RawHTTPConnection(port: port)
            try connection.write(Array(
                "POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\nContent-Type: application/json\r\n\r\n{\"events\":[".utf8
            ))
            let answer = await connection.readAnswer()
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            #expect(answer.contains(#"{"error":"the request body did not arrive within"#))
            // The route saw the deadline too: the request is counted as the 408 it got, not as a 400.
            let counted = try await eventually(timeout: .seconds(10)) {
                try await metricsText(client).contains(#"gateway_requests_total{route="/events",status="408"} 1"#)
            }
            let metrics = try await metricsText(client)
            #expect(counted, "\(metrics.split(separator: "\n").filter { $0.hasPrefix("gateway_requests_total") })")

            let normal = try await client.execute(
                uri: "/events", method: .post, body: ByteBuffer(string: SampleEvents.bulk([SampleEvents.product()])))
            #expect(normal.status == .accepted)
        }
    }
}

extension RequestTimeoutTests {
    /// A connection closed mid-body (here by the idle timeout, shorter than the request timeout): what
    /// arrived, though valid JSON, is not the announced body; the read fails and nothing is published.
    @Test func aBodyCutShortOfItsContentLengthIsNeverPublished() async throws {
        try await withLiveGateway(configure: {
            $0.idleTimeout = .milliseconds(300)
            $0.requestTimeout = .seconds(60)
        }) { port, client, _ in
            let body = Array(SampleEvents.bulk([SampleEvents.product()]).utf8)
            let connection = try RawHTTPConnection(port: port)
            try connection.write(Array(
                "POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.count + 100)\r\nContent-Type: application/json\r\n\r\n".utf8
            ) + body)
            let refused = try await eventually(timeout: .seconds(10)) {
                try await metricsText(client).contains(#"gateway_requests_total{route="/events",status="400"} 1"#)
            }
            let metrics = try await metricsText(client)
            #expect(refused, "\(metrics.split(separator: "\n").filter { $0.hasPrefix("gateway_requests_total") })")
            #expect(!metrics.contains(#"gateway_requests_total{route="/events",status="202"}"#))
        }
    }
}

/// A raw TCP connection to a server, for requests no HTTP client would send (half a body, or a body
/// sent in two parts). Reads block, so they run on a thread of their own: on the cooperative pool they
/// could take the threads the server's handlers need (two cores, two tests reading: no answer at all).
final class RawHTTPConnection: @unchecked Sendable {
    struct Failed: Error {}

    private let socket: Int32

    /// Connects to 127.0.0.1:`port`; throws when the connection is refused.
    init(port: Int, readTimeoutSeconds: Int = 10) throws {
        socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failed() }
        var timeout = timeval(tv_sec: readTimeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // A throw from here on still runs deinit, which closes the socket.
        guard connected == 0 else { throw Failed() }
    }

    deinit { close(socket) }

    func write(_ bytes: [UInt8]) throws {
        guard Foundation.write(socket, bytes, bytes.count) == bytes.count else { throw Failed() }
    }

    /// Reads until an answer with a JSON body arrived, the connection closed, or the read timeout passed.
    func readAnswer() async -> String {
        await receive { $0.contains("\r\n\r\n") && $0.hasSuffix("}") }
    }

    /// Reads until the end of a response head (an interim `100 Continue` too), or the read timeout.
    func readHead() async -> String {
        await receive { $0.contains("\r\n\r\n") }
    }

    /// Reads, on a thread of its own, until `complete` holds for what arrived, the connection closed, or
    /// the read timeout passed.
    private func receive(until complete: @escaping @Sendable (String) -> Bool) async -> String {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var answer: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = read(self.socket, &buffer, buffer.count)
                    guard count > 0 else { break }
                    answer += buffer[0..<count]
                    if let text = String(validating: answer, as: UTF8.self), complete(text) { break }
                }
                continuation.resume(returning: String(decoding: answer, as: UTF8.self))
            }
        }
    }
}

/// What the gateway's `/metrics` serves now.
private func metricsText(_ client: any TestClientProtocol) async throws -> String {
    String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
}
