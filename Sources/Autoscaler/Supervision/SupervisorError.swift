import Foundation

/// Why the supervisor could not run a collector.
public enum SupervisorError: Error, CustomStringConvertible, Sendable {
    case cannotStart(command: String, errno: Int32)
    case noFreePort(String)

    public var description: String {
        switch self {
        case .cannotStart(let command, let errno): "cannot start \(command): \(String(cString: strerror(errno)))"
        case .noFreePort(let reason): "no port for a collector's /metrics: \(reason)"
        }
    }
}
