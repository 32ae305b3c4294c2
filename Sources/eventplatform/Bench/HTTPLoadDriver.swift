import Foundation
import Synchronization

/// A closed-loop HTTP/1.1 load driver: `clients` threads, each on its own keep-alive connection, sending
/// the next request of the mix as soon as the previous answer arrived, and timing every answer.
///
/// Blocking sockets on plain threads, so that the driver costs little CPU next to the server it measures
/// (it shares the machine) and no event loop of the server's is borrowed.
struct HTTPLoadDriver: Sendable {
    /// A request of the mix: a label to group latencies by, and the path with its query.
    struct Request: Sendable {
        var label: String
        var path: String
    }

    var port: Int
    var clients: Int

    /// Latencies per label, in seconds, and the number of answers that were not 200.
    struct Results: Sendable {
        var latencies: [String: [Double]] = [:]
        var failures: [String: Int] = [:]
    }

    /// Runs the mix for `duration`; each client starts at a different point of the mix.
    func run(_ mix: [Request], for duration: Duration) async throws -> Results {
        let results = Mutex(Results())
        let deadline = ContinuousClock.now + duration
        let port = self.port
        let finished = ResultCollector(count: clients)
        for client in 0..<clients {
            Thread.detachNewThread {
                var local = Results()
                do {
                    let connection = try BlockingHTTPConnection(port: port)
                    var index = client * 7
                    while ContinuousClock.now < deadline {
                        let request = mix[index % mix.count]
                        index += 1
                        let started = ContinuousClock.now
                        let status = try connection.get(request.path)
                        let seconds = (ContinuousClock.now - started) / .seconds(1)
                        if status == 200 {
                            local.latencies[request.label, default: []].append(seconds)
                        } else {
                            local.failures[request.label, default: 0] += 1
                        }
                    }
                } catch {
                    local.failures["connection", default: 0] += 1
                }
                results.withLock { all in
                    for (label, values) in local.latencies { all.latencies[label, default: []] += values }
                    for (label, count) in local.failures { all.failures[label, default: 0] += count }
                }
                finished.done()
            }
        }
        await finished.wait()
        return results.withLock { $0 }
    }
}

/// Counts threads down to zero and wakes the awaiting task then.
private final class ResultCollector: Sendable {
    private struct State {
        var remaining: Int
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(remaining: count))
    }

    func done() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let finished = state.withLock { state -> Bool in
                if state.remaining == 0 { return true }
                state.waiter = continuation
                return false
            }
            if finished { continuation.resume() }
        }
    }
}

/// One keep-alive HTTP/1.1 connection to 127.0.0.1 with blocking reads: enough HTTP for answers with a
/// Content-Length, which is what the reporter sends.
private final class BlockingHTTPConnection {
    private let socket: Int32
    private var buffer: [UInt8] = []

    struct Failure: Error {
        var message: String
    }

    init(port: Int) throws {
        socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else {
            close(socket)
            throw Failure(message: "cannot connect to port \(port)")
        }
        var one: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit {
        close(socket)
    }

    /// Sends `GET path` and reads the whole answer; returns its status.
    func get(_ path: String) throws -> Int {
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { throw Failure(message: "send failed") }
            sent += written
        }
        let headerEnd = try readUntilHeaderEnd()
        let head = String(decoding: buffer[..<headerEnd], as: UTF8.self)
        let status = head.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
        guard let lengthLine = head.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
              let length = Int(lengthLine.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else {
            throw Failure(message: "answer without content-length")
        }
        while buffer.count < headerEnd + 4 + length { try fill() }
        buffer.removeFirst(headerEnd + 4 + length)
        return status
    }

    private func readUntilHeaderEnd() throws -> Int {
        while true {
            if buffer.count >= 4 {
                for index in 0...(buffer.count - 4)
                where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
                    return index
                }
            }
            try fill()
        }
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw Failure(message: "connection closed") }
        buffer.append(contentsOf: chunk[..<count])
    }
}
