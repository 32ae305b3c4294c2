import Foundation

/// Addresses of the real broker and database the integration tests run against.
///
/// `scripts/test.sh` starts both and exports their addresses; a test that needs one and finds it missing
/// fails with a message that says how to get it, instead of skipping silently.
public enum TestEnvironment {
    public struct Missing: Error, CustomStringConvertible {
        public let variable: String
        public var description: String {
            "\(variable) is not set: run the tests through scripts/test.sh, which starts the local broker and PostgreSQL"
        }
    }

    /// `host:port` of the local Kafka-protocol broker.
    public static func kafkaBrokers() throws -> String { try value(of: "KAFKA_BROKERS") }

    /// `postgres://` URL of the local PostgreSQL database.
    public static func databaseURL() throws -> String { try value(of: "DATABASE_URL") }

    /// A name no other test (or earlier run against the same broker or database) uses.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Runs `scripts/infra.sh <command>` (e.g. `stop-broker`, `start-broker`) for outage tests.
    public static func infrastructure(_ command: String) throws {
        let script = try value(of: "EVENTPLATFORM_INFRA")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, command]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw InfrastructureCommandFailed(command: command, status: process.terminationStatus)
        }
    }

    public struct InfrastructureCommandFailed: Error, CustomStringConvertible {
        public let command: String
        public let status: Int32
        public var description: String { "scripts/infra.sh \(command) exited with \(status)" }
    }

    private static func value(of variable: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
            throw Missing(variable: variable)
        }
        return value
    }
}
