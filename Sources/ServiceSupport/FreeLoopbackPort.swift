import Foundation

/// A TCP port on 127.0.0.1 that nobody listens on right now, for servers a benchmark, a test or the
/// autoscaler starts: `preferred` when it is free, else one the system picks.
public func freeLoopbackPort(preferring preferred: Int = 0) throws -> Int {
    if preferred > 0, preferred <= 65_535, let port = try? bindLoopback(port: preferred) { return port }
    return try bindLoopback(port: 0)
}

private func bindLoopback(port: Int) throws -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
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
