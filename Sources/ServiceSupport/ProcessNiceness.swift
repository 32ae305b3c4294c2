import Foundation

/// The CPU share of this process against the others of the machine, set through its scheduler autogroup.
///
/// Linux keeps a niceness per thread, and thread pools reset their own (libdispatch, under Swift
/// concurrency, gives its worker threads the niceness of their QoS), so setting it thread by thread does
/// not hold. The autogroup (one per session, `kernel.sched_autogroup_enabled`) is scheduled as one entity
/// with its own niceness, whatever its threads' are. The process must lead its session, or the niceness
/// would apply to everything else of the session too (the terminal, the supervisor).
public enum ProcessNiceness {
    private static let autogroupFile = "/proc/self/autogroup"

    /// Sets this session's autogroup niceness (0...19). Raising it needs no privilege.
    public static func set(_ niceness: Int32) throws(ProcessNicenessError) {
        guard (0...19).contains(niceness) else { throw .outOfRange(niceness) }
        guard getsid(0) == getpid() else { throw .notSessionLeader }
        guard let file = fopen(autogroupFile, "w") else { throw .unavailable(errno: errno) }
        let written = fputs("\(niceness)\n", file) >= 0
        let closed = fclose(file) == 0
        guard written && closed else { throw .refused(niceness, errno: errno) }
    }
}

/// Setting the niceness failed.
public enum ProcessNicenessError: Error, CustomStringConvertible, Equatable {
    case outOfRange(Int32)
    case notSessionLeader
    case unavailable(errno: Int32)
    case refused(Int32, errno: Int32)

    public var description: String {
        switch self {
        case .outOfRange(let niceness):
            "niceness \(niceness) is not from 0 to 19"
        case .notSessionLeader:
            "a niceness needs a session of its own (the autoscaler starts collectors so; from a shell: setsid eventplatform collector ...)"
        case .unavailable(let code):
            "cannot open /proc/self/autogroup: \(String(cString: strerror(code))) (a kernel without scheduler autogroups)"
        case .refused(let niceness, let code):
            "cannot set niceness \(niceness): \(String(cString: strerror(code)))"
        }
    }
}
