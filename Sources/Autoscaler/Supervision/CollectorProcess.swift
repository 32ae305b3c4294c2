import Foundation
import Synchronization

/// A collector process the supervisor started (`eventplatform collector --source S --port P`).
///
/// posix_spawn and waitpid rather than Foundation's `Process`, whose exit notification is unreliable
/// from Swift concurrency's threads on Linux. The blocking wait runs on a thread of its own, which ends
/// with the process.
final class CollectorProcess: Sendable {
    let pid: pid_t
    /// The port of its `/metrics` and health.
    let port: Int
    let started: ContinuousClock.Instant
    private let exit = Exit()

    /// The exit status, shared with the thread that waits for it.
    private final class Exit: Sendable {
        struct State {
            var status: Int32?
            var waiters: [CheckedContinuation<Int32, Never>] = []
        }

        let state = Mutex(State())

        func withLock<R>(_ body: (inout State) -> R) -> R {
            state.withLock { body(&$0) }
        }
    }

    /// glibc's `POSIX_SPAWN_SETSID` (2.26+; only declared to GNU sources, which Swift's Glibc module is not).
    private static let spawnNewSession: Int16 = 0x80

    /// Starts `arguments[0]` with `arguments` and `environment`; its output goes to this process's.
    init(arguments: [String], environment: [String: String], port: Int) throws(SupervisorError) {
        var cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cEnvironment.forEach { free($0) } }
        // A session (so a process group) of its own: a Ctrl-C in the terminal reaches the supervisor only,
        // which then stops its collectors one at a time (members leaving together can wedge the local
        // broker's group); and the collector can set its own CPU share (`--niceness`, an autogroup per session).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Self.spawnNewSession)
        Self.closeOnExecAboveStandardDescriptors()
        var child: pid_t = 0
        let result = posix_spawn(&child, arguments[0], nil, &attributes, &cArguments, &cEnvironment)
        guard result == 0 else { throw .cannotStart(command: arguments.joined(separator: " "), errno: result) }
        self.pid = child
        self.port = port
        self.started = .now
        let exit = self.exit, pid = child
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1, errno == EINTR {}
            let waiters = exit.withLock { state in
                state.status = status
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume(returning: status) }
        }
    }

    /// Marks every open descriptor above standard error close-on-exec, so a collector inherits only its
    /// standard input, output and error. SwiftNIO's listening sockets are not close-on-exec: a collector
    /// that outlived a killed supervisor kept the gateway's ports bound, and a new `up` could not start.
    /// (glibc's `posix_spawn_file_actions_addclosefrom_np` would do it in the child, but Swift's Glibc
    /// module does not declare it.)
    private static func closeOnExecAboveStandardDescriptors() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for descriptor in entries.compactMap({ Int32($0) }) where descriptor > 2 {
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0, flags & FD_CLOEXEC == 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// The raw wait status once the process has exited, `nil` while it runs.
    var exitStatus: Int32? { exit.withLock { $0.status } }

    func signal(_ signal: Int32) {
        guard exitStatus == nil else { return }
        kill(pid, signal)
    }

    /// Waits for the exit and returns the raw wait status.
    func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            let status = exit.withLock { state -> Int32? in
                if state.status == nil { state.waiters.append(continuation) }
                return state.status
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    /// Sends SIGTERM (the collector commits its batch and leaves its group) and waits for the exit;
    /// after `timeout`, SIGKILL.
    func stop(timeout: Duration) async -> Int32 {
        signal(SIGTERM)
        return await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await self.waitForExit() }
            group.addTask {
                if (try? await Task.sleep(for: timeout)) != nil { self.signal(SIGKILL) }
                return nil
            }
            var status: Int32 = 0
            for await result in group {
                if let result {
                    status = result
                    group.cancelAll()
                }
            }
            return status
        }
    }
}

/// A human reading of a raw wait status.
func describeExit(_ status: Int32) -> String {
    let signal = status & 0x7f
    return signal == 0 ? "exit code \((status >> 8) & 0xff)" : "signal \(signal)"
}
