import Foundation
import ServiceSupport

/// A broker of the test's own, on its own port, that the test may stop and restart without
/// disturbing other tests (the shared broker keeps running).
///
/// Its storage is in memory: after a restart the broker is empty, topics included.
public final class PrivateBroker: @unchecked Sendable {
    public let port: Int
    public var address: String { "127.0.0.1:\(port)" }
    private let binary: String
    // Only touched by the test that owns the broker, one call at a time.
    private var pid: pid_t?

    /// Starts a broker on a free port and waits until it accepts connections.
    public init() throws {
        guard let binary = ProcessInfo.processInfo.environment["TANSU_BIN"], !binary.isEmpty else {
            throw TestEnvironment.Missing(variable: "TANSU_BIN")
        }
        self.binary = binary
        self.port = try freeLoopbackPort()
        try start()
    }

    deinit {
        stop()
    }

    /// Starts the broker again on the same port.
    ///
    /// posix_spawn and waitpid rather than Foundation's `Process`, whose `waitUntilExit` spins a run loop
    /// and can miss the exit when called from Swift concurrency's threads on Linux.
    public func start() throws {
        guard pid == nil else { return }
        let arguments = [
            binary, "broker", "--listener-url", "tcp://\(address)", "--advertised-listener-url", "tcp://\(address)",
            "--storage-engine", "memory://tansu/", "--silent",
        ]
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 2, "/dev/null", O_WRONLY, 0)
        var cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, binary, &fileActions, nil, &cArguments, environ)
        guard result == 0 else { throw BrokerDidNotStart(address: address) }
        pid = child
        try waitUntilListening(timeout: .seconds(30))
    }

    /// Freezes the broker (SIGSTOP): connections stay open but nothing answers, as with a hung host.
    public func pause() {
        if let pid { kill(pid, SIGSTOP) }
    }

    /// Lets a paused broker go on (SIGCONT), with everything it held.
    public func resume() {
        if let pid { kill(pid, SIGCONT) }
    }

    /// Kills the broker (SIGKILL: with connections open it may ignore SIGTERM; its storage is memory
    /// anyway) and waits until it has exited.
    public func stop() {
        guard let pid else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        self.pid = nil
    }

    private func waitUntilListening(timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if Self.canConnect(port: port) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw BrokerDidNotStart(address: address)
    }

    public struct BrokerDidNotStart: Error, CustomStringConvertible {
        public let address: String
        public var description: String { "the private broker on \(address) did not start listening" }
    }

    private static func canConnect(port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
