public import Logging
public import ServiceLifecycle

/// `eventplatform autoscale`: runs the collectors of each configured group as child processes and scales
/// them by the group's lag (contract section 8), restarting any that die. A service: `run()` until a
/// graceful shutdown, which stops every collector cleanly.
public struct Autoscaler: Service {
    public let configuration: AutoscalerConfiguration
    private let reader: LagReader
    private let logger: Logger

    public init(configuration: AutoscalerConfiguration, logger: Logger) throws {
        let problems = configuration.policy.problems
        guard problems.isEmpty else { throw AutoscalerConfigurationError(problems: problems) }
        self.configuration = configuration
        self.reader = try LagReader(configuration: configuration.kafka, logger: logger)
        self.logger = logger
    }

    public func run() async throws {
        let targets = configuration.scrapeTargetsFile.map { ScrapeTargetsFile(path: $0, host: configuration.scrapeTargetHost) }
        logger.info("autoscaling collectors", metadata: [
            "groups": "\(configuration.groups.map(\.group))", "policy": "\(configuration.policy)",
            "polling_interval": "\(configuration.pollingInterval)",
        ])
        await withDiscardingTaskGroup { tasks in
            for group in configuration.groups {
                let supervisor = GroupSupervisor(group: group, configuration: configuration, reader: reader, targets: targets, logger: logger)
                tasks.addTask { await supervisor.run() }
            }
        }
    }
}

/// Autoscaler settings that contradict each other, each named as its flag is.
public struct AutoscalerConfigurationError: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String { problems.joined(separator: "; ") }
}
