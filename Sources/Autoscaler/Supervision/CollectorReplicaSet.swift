import Logging
import ServiceSupport

/// The collector processes of one consumer group: starts them, stops the youngest, and restarts the ones
/// that exit unexpectedly after a backoff.
actor CollectorReplicaSet {
    /// A collector that exited without being asked to.
    struct UnexpectedExit: Sendable {
        var pid: Int32
        var status: String
        var restartIn: Duration
    }

    private let commandLine: CollectorCommandLine
    private let logger: Logger
    /// Oldest first.
    private var running: [CollectorProcess] = []
    /// When each collector that exited unexpectedly may start again.
    private var pendingRestarts: [ContinuousClock.Instant] = []
    private var consecutiveFailures = 0
    /// When an instance last started, stopped or exited.
    private(set) var lastMembershipChange: ContinuousClock.Instant?

    init(commandLine: CollectorCommandLine, logger: Logger) {
        self.commandLine = commandLine
        self.logger = logger
    }

    /// The instances the group runs or is about to restart: what the scaling policy counts.
    var count: Int { running.count + pendingRestarts.count }

    /// The instances running now.
    var runningCount: Int { running.count }

    /// The `/metrics` ports of the running instances.
    var ports: [Int] { running.map(\.port) }

    /// Whether a running instance has exited since the last ``reapExited(now:)``.
    var hasExited: Bool { running.contains { $0.exitStatus != nil } }

    /// Moves instances that exited on their own to the restart queue, each with a backoff that doubles
    /// with every failure in a row (1 s up to 30 s; an instance that ran a minute resets it).
    func reapExited(now: ContinuousClock.Instant = .now) -> [UnexpectedExit] {
        var exits: [UnexpectedExit] = []
        running.removeAll { process in
            guard let status = process.exitStatus else { return false }
            lastMembershipChange = now
            consecutiveFailures = now - process.started > .seconds(60) ? 1 : consecutiveFailures + 1
            let backoff = Duration.seconds(min(30, 1 << min(consecutiveFailures - 1, 5)))
            pendingRestarts.append(now + backoff)
            exits.append(UnexpectedExit(pid: process.pid, status: describeExit(status), restartIn: backoff))
            return true
        }
        return exits
    }

    /// Starts the restarts whose backoff has passed; returns how many started.
    func startDueRestarts(now: ContinuousClock.Instant = .now) throws(SupervisorError) -> Int {
        let due = pendingRestarts.filter { $0 <= now }.count
        guard due > 0 else { return 0 }
        pendingRestarts.removeAll { $0 <= now }
        for _ in 0..<due { try startOne() }
        return due
    }

    /// Starts instances until `count` reaches `replicas`.
    func scaleOut(to replicas: Int) throws(SupervisorError) {
        while count < replicas { try startOne() }
    }

    /// Stops one instance: a pending restart if there is one, else the youngest running one, gracefully
    /// (SIGTERM: it commits its batch and leaves its group), killed after `timeout`.
    func stopOne(timeout: Duration) async {
        if !pendingRestarts.isEmpty {
            pendingRestarts.removeLast()
            return
        }
        guard let youngest = running.popLast() else { return }
        logger.info("stopping a collector", metadata: ["pid": "\(youngest.pid)", "port": "\(youngest.port)"])
        let status = await youngest.stop(timeout: timeout)
        lastMembershipChange = .now
        logger.info("collector stopped", metadata: ["pid": "\(youngest.pid)", "exit": "\(describeExit(status))"])
    }

    private func startOne() throws(SupervisorError) {
        let port: Int
        do {
            port = try freeLoopbackPort(preferring: running.isEmpty ? commandLine.preferredPort : 0)
        } catch {
            throw .noFreePort("\(error)")
        }
        let arguments = [commandLine.executable] + commandLine.arguments + ["--port", String(port)]
        let process = try CollectorProcess(arguments: arguments, environment: commandLine.environment, port: port)
        running.append(process)
        lastMembershipChange = .now
        logger.info("started a collector", metadata: ["pid": "\(process.pid)", "port": "\(port)"])
    }
}
