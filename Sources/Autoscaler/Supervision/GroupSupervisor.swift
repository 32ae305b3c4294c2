import Kafka
import Logging
import Metrics
import ServiceLifecycle

/// Scales one consumer group's collectors by its lag: every polling interval it restarts collectors that
/// died, reads the lag, decides with the ``ReplicaScaler`` and starts or stops collectors. On a graceful
/// shutdown it stops them one at a time.
struct GroupSupervisor: Sendable {
    let group: AutoscalerConfiguration.Group
    let configuration: AutoscalerConfiguration
    let reader: LagReader
    let targets: ScrapeTargetsFile?
    let logger: Logger
    private let replicas: CollectorReplicaSet

    init(group: AutoscalerConfiguration.Group, configuration: AutoscalerConfiguration, reader: LagReader, targets: ScrapeTargetsFile?, logger: Logger) {
        self.group = group
        self.configuration = configuration
        self.reader = reader
        self.targets = targets
        var logger = logger
        logger[metadataKey: "group"] = "\(group.group)"
        self.logger = logger
        self.replicas = CollectorReplicaSet(commandLine: group.collector, logger: logger)
    }

    func run() async {
        var tracker = GroupLagTracker(window: configuration.statusWindow)
        var scaler = ReplicaScaler(policy: configuration.policy)
        var last: (replicas: Int, status: GroupStatus, failing: Bool)?
        var regroup: Regroup?
        let dimensions = [("group", group.group)]
        let restarts = Counter(label: "autoscaler_restarts_total", dimensions: dimensions)
        let readFailures = Counter(label: "autoscaler_lag_read_failures_total", dimensions: dimensions)

        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let tick = ContinuousClock.now
            for exit in await replicas.reapExited() {
                restarts.increment()
                logger.warning("a collector exited unexpectedly; restarting it", metadata: [
                    "pid": "\(exit.pid)", "exit": "\(exit.status)", "restart_in": "\(exit.restartIn)",
                ])
            }
            await apply { () throws(SupervisorError) in _ = try await replicas.startDueRestarts() }

            var offsets = await reader.read(group: group.group, topics: [group.topic], timeout: configuration.pollingInterval)
            // The collectors running here are members, joined or joining, whatever the broker says (the local
            // broker cannot describe an active group, and a joining member is not listed yet).
            offsets.members = max(offsets.members ?? 0, await replicas.runningCount * group.collector.membersPerInstance)
            let report = tracker.record(offsets)
            let decision = scaler.decide(ReplicaScaler.Input(report, currentReplicas: await replicas.count))
            LagMetrics.record(report)
            if !report.isComplete { readFailures.increment() }
            Gauge(label: "autoscaler_desired_replicas", dimensions: dimensions).record(decision.replicas)
            Gauge(label: "autoscaler_saturated", dimensions: dimensions).record(decision.isSaturated ? 1 : 0)
            let failing = decision.isHoldingOnFailedRead
            if last.map({ $0.replicas != decision.replicas || $0.status != report.status || $0.failing != failing }) ?? true {
                log(decision, report)
            }
            last = (decision.replicas, report.status, failing)

            await scale(to: decision.replicas, report: report, regroup: &regroup)
            Gauge(label: "autoscaler_replicas", dimensions: dimensions).record(await replicas.runningCount)
            await publishTargets()
            await waitForNextTick(after: tick)
        }
        await stopAll()
        Gauge(label: "autoscaler_replicas", dimensions: dimensions).record(0)
        await publishTargets()
    }

    /// Starts what scaling out needs at once; scales in by one collector per interval, and only once the
    /// group has formed again since its last membership change (a member leaving a group that is still
    /// forming can wedge the local broker's group for good).
    private func scale(to desired: Int, report: GroupLagReport, regroup: inout Regroup?) async {
        let current = await replicas.count
        if desired > current {
            await apply { () throws(SupervisorError) in try await replicas.scaleOut(to: desired) }
        } else if desired < current {
            guard await isSettled(report, regroup: &regroup) else {
                logger.debug("scale-in waits for the group to settle", metadata: ["replicas": "\(current)", "desired": "\(desired)"])
                return
            }
            await replicas.stopOne(timeout: configuration.stopTimeout)
        }
    }

    /// Stops every collector, youngest first, each once the group has formed again without the one before.
    private func stopAll() async {
        var regroup: Regroup?
        while await replicas.count > 0 {
            await replicas.stopOne(timeout: configuration.stopTimeout)
            await publishTargets()
            guard await replicas.runningCount > 0 else { continue }
            let deadline = ContinuousClock.now + configuration.regroupTime * 3
            while ContinuousClock.now < deadline {
                let report = GroupLagReport(unjudged: await reader.read(group: group.group, topics: [group.topic], timeout: configuration.pollingInterval))
                if await isSettled(report, regroup: &regroup) { break }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// Where the group read when its membership last changed, to tell when it has formed again.
    struct Regroup {
        var since: ContinuousClock.Instant
        var positions: [KafkaTopicPartition: Int64]
    }

    /// Whether the group has formed since its last membership change: not while the broker says it is
    /// rebalancing, not before `regroupTime` has passed, and not before every partition with records
    /// waiting has been consumed from again (so every partition has an owner: the local broker reports a
    /// group stable while it is still forming). `regroup` keeps the positions of the first read after a change.
    private func isSettled(_ report: GroupLagReport, regroup: inout Regroup?) async -> Bool {
        guard let change = await replicas.lastMembershipChange else { return true }
        if regroup.map({ $0.since < change }) ?? true {
            regroup = Regroup(since: change, positions: Dictionary(report.partitions.map { ($0.offsets.partition, $0.offsets.position) }) { $1 })
            return false
        }
        guard report.isComplete, ContinuousClock.now - change >= configuration.regroupTime else { return false }
        if await reader.isStable(group: group.group) == false { return false }
        let before = regroup?.positions ?? [:]
        return report.partitions.allSatisfy { partition in
            partition.offsets.lag == 0 || partition.offsets.position > before[partition.offsets.partition, default: .min]
        }
    }

    /// Sleeps until the next polling tick; wakes early when a collector exits, to restart it sooner.
    private func waitForNextTick(after tick: ContinuousClock.Instant) async {
        let next = tick + configuration.pollingInterval
        while ContinuousClock.now < next, !Task.isShuttingDownGracefully, !Task.isCancelled {
            if await replicas.hasExited { return }
            try? await Task.sleep(for: min(.milliseconds(250), next - .now))
        }
    }

    private func apply(_ change: () async throws(SupervisorError) -> Void) async {
        do {
            try await change()
        } catch {
            logger.error("cannot start a collector", metadata: ["error": "\(error)"])
        }
    }

    private func publishTargets() async {
        guard let targets else { return }
        do {
            try targets.update(group: group.group, source: group.source, ports: await replicas.ports)
        } catch {
            logger.warning("cannot write the scrape targets file", metadata: ["error": "\(error)"])
        }
    }

    private func log(_ decision: ScalingDecision, _ report: GroupLagReport) {
        var metadata: Logger.Metadata = [
            "replicas": "\(decision.replicas)", "lag": "\(report.totalLag)", "status": "\(report.status.rawValue)",
            "reason": "\(decision.reason)",
        ]
        if let seconds = report.lagSeconds { metadata["lag_seconds"] = "\(Int(seconds))" }
        if let rate = report.consumptionRate { metadata["rate"] = "\(Int(rate))" }
        switch decision.reason {
        case .holdingOnFailedRead(let failure):
            logger.warning("lag read failed; holding the collectors (never scaling in on a failed read)", metadata: metadata.merging(["failure": "\(failure)"]) { $1 })
        case .saturated(_, let before, let after):
            logger.warning("saturated: the last scale-out did not raise the consumption rate, so no more collectors are added", metadata: metadata.merging([
                "rate_before": "\(Int(before))", "rate_after": "\(Int(after))",
            ]) { $1 })
        default:
            logger.info("scaling decision", metadata: metadata)
        }
    }
}
