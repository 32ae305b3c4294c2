import Foundation
import ServiceSupport
import TestInfrastructure

/// A PostgreSQL server of the test's own (initdb in a temporary folder, its own port), which the test may
/// stop and start without disturbing the tests that use the shared server.
final class PrivatePostgres: @unchecked Sendable {
    let port: Int
    let folder: String
    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }
    private let binaries: String
    /// initdb refuses to run as root, so as root the server runs as the `postgres` user.
    private let asPostgres: [String]

    private init(port: Int, folder: String, binaries: String, asPostgres: [String]) {
        self.port = port
        self.folder = folder
        self.binaries = binaries
        self.asPostgres = asPostgres
    }

    static func start() async throws -> PrivatePostgres {
        let versions = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")
        guard let newest = versions.compactMap(Int.init).max() else { throw Failed(step: "find the PostgreSQL binaries") }
        let folder = "/tmp/collector-test-pg-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let asPostgres = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
        if getuid() == 0 {
            guard try await ChildProcess.run(["/bin/chown", "postgres:", folder]) == 0 else { throw Failed(step: "chown \(folder)") }
        }
        let server = PrivatePostgres(port: try freeLoopbackPort(), folder: folder, binaries: "/usr/lib/postgresql/\(newest)/bin", asPostgres: asPostgres)
        let initdb = asPostgres + ["\(server.binaries)/initdb", "-D", "\(folder)/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]
        guard try await ChildProcess.run(initdb, logPath: "\(folder)/initdb.log") == 0 else { throw Failed(step: "initdb, see \(folder)/initdb.log") }
        try await server.startServer()
        return server
    }

    /// Starts the server (again) on its port and waits until it accepts connections.
    func startServer() async throws {
        let arguments = asPostgres + [
            "\(binaries)/pg_ctl", "-D", "\(folder)/data", "-l", "\(folder)/server.log", "-w", "-t", "60",
            "-o", "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off", "start",
        ]
        guard try await ChildProcess.run(arguments) == 0 else { throw Failed(step: "pg_ctl start, see \(folder)/server.log") }
    }

    /// Stops the server at once (open connections are cut).
    func stopServer() async throws {
        let arguments = asPostgres + ["\(binaries)/pg_ctl", "-D", "\(folder)/data", "-m", "immediate", "-w", "stop"]
        guard try await ChildProcess.run(arguments) == 0 else { throw Failed(step: "pg_ctl stop") }
    }

    /// Stops the server and removes its folder.
    func destroy() async {
        _ = try? await stopServer()
        try? FileManager.default.removeItem(atPath: folder)
    }

    struct Failed: Error, CustomStringConvertible {
        let step: String
        var description: String { "private PostgreSQL: cannot \(step)" }
    }
}
