import Foundation

/// A TCP port on 127.0.0.1 that nobody listens on right now, for servers a benchmark or a test starts.
public func freeLoopbackPort() throws -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    guard bound else { throw NoFreeLoopbackPort(errno: errno) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Binding a loopback socket to an ephemeral port failed.
public struct NoFreeLoopbackPort: Error, CustomStringConvertible {
    public var errno: Int32
    public var description: String { "no free port on 127.0.0.1 (errno \(errno))" }
}
