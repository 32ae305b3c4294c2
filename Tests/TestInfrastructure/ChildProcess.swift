public import Foundation

/// A process the test starts with posix_spawn and may kill; output goes to a log file.
///
/// posix_spawn and waitpid rather than Foundation's `Process`, whose `waitUntilExit` can miss the exit
/// when called from Swift concurrency's threads on Linux. Blocking waits run on a thread of their own.
public final class ChildProcess: @unchecked Sendable {
    // Only touched by the test that owns the process, one call at a time.
    public private(set) var pid: pid_t
    public let logPath: String

    public init(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment, logPath: String) throws {
        self.logPath = logPath
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)
        var cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cEnvironment.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, arguments[0], &fileActions, nil, &cArguments, &cEnvironment)
        guard result == 0 else { throw SpawnFailed(command: arguments[0], code: result) }
        pid = child
    }

    public struct SpawnFailed: Error, CustomStringConvertible {
        let command: String
        let code: Int32
        public var description: String { "cannot start \(command): error \(code)" }
    }

    /// Sends `signal` and waits for the exit; returns the raw wait status.
    @discardableResult
    public func stop(_ signal: Int32) async -> Int32 {
        kill(pid, signal)
        return await waitForExit()
    }

    public func waitForExit() async -> Int32 {
        let pid = self.pid
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                continuation.resume(returning: status)
            }
        }
    }

    /// The `eventplatform` executable built next to the test bundle (`.build*/debug/eventplatform`).
    public static func eventplatformExecutable() throws -> String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        // The bundle may be a folder (`eventplatformPackageTests.xctest/...`) on some platforms.
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("eventplatform").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        throw MissingExecutable(near: testBinary.path)
    }

    public struct MissingExecutable: Error, CustomStringConvertible {
        let near: String
        public var description: String { "no eventplatform executable next to \(near): build with --build-tests first" }
    }

    /// Runs a command to completion and returns its exit code.
    public static func run(_ arguments: [String], logPath: String = "/dev/null") async throws -> Int32 {
        let process = try ChildProcess(arguments, logPath: logPath)
        let status = await process.waitForExit()
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }
}
