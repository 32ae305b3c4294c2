@testable import Autoscaler
import Foundation
import Testing

/// What a started collector inherits from the supervisor.
struct CollectorProcessSpawnTests {
    /// A descriptor the supervisor holds without close-on-exec (as SwiftNIO's listening sockets are) must
    /// not reach the collector, or a collector that outlives a killed supervisor keeps its ports bound.
    @Test func aCollectorInheritsNoDescriptorButTheStandardOnes() async throws {
        let descriptor = open("/dev/null", O_RDONLY)
        try #require(descriptor > 2)
        defer { close(descriptor) }
        // `test` is built into sh, so /proc/self is the shell the supervisor started.
        let process = try CollectorProcess(
            arguments: ["/bin/sh", "-c", "test ! -e /proc/self/fd/\(descriptor)"], environment: [:], port: 0)
        let status = await process.waitForExit()
        #expect(describeExit(status) == "exit code 0", "descriptor \(descriptor) was inherited")
    }
}
