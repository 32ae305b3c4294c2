import Foundation
import Gateway
import ServiceLifecycle
import Synchronization

/// The load generator as a service of `up`: waits until the gateway serves, prints the welcome, then
/// sends its plan. On Ctrl-C it is the first to stop: it sends nothing more, while requests in flight
/// still get their answer from the draining gateway, so the summary's accepted count is exact.
struct TrafficService: Service {
    var plan: LoadPlan?
    var brokers: String
    var topics: GatewayTopics
    var welcome: Welcome

    func run() async throws {
        try await waitUntilServing(URL(string: "\(welcome.gatewayURL)/health/live")!)
        welcome.print()
        guard let plan else { return }
        let stop = StopFlag()
        let report = LoadReport()
        try await withGracefulShutdownHandler {
            try await plan.run(brokers: brokers, topics: topics, report: report, stop: stop) { print("traffic: \($0)") }
        } onGracefulShutdown: {
            stop.set()
        }
        if stop.isSet {
            print("traffic stopped: \(report.summary)")
        } else {
            print("traffic done: \(report.summary)")
            print("the platform keeps running; Ctrl-C stops it")
        }
    }

    private func waitUntilServing(_ url: URL) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if await GatewayLoadClient.isServing(url) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw GatewayNotServing(url: url)
    }

    struct GatewayNotServing: Error, CustomStringConvertible {
        var url: URL
        var description: String { "the gateway did not start serving at \(url) within 60 s" }
    }
}

/// Set once, read from any task: tells the load generator that the platform is shutting down.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
