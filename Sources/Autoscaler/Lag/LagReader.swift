public import Kafka
public import Logging

/// Reads a consumer group's offsets from the cluster: per partition the committed offset, the log start
/// and the exact log end, and the group's members.
///
/// A read never throws: what could not be read is named in ``GroupOffsets/failure`` (and the partitions
/// that could not be read are left out), so that the caller holds rather than takes it for low lag.
public final class LagReader: Sendable {
    private let admin: KafkaAdmin
    private let probe: KafkaLogEndProbe
    private let logger: Logger

    public init(configuration: KafkaConfiguration, logger: Logger) throws(KafkaError) {
        self.admin = try KafkaAdmin(configuration: configuration, logger: logger)
        self.probe = try KafkaLogEndProbe(configuration: configuration, logger: logger)
        self.logger = logger
    }

    /// The offsets of `group` on every partition of `topics`, each request bounded by `timeout`.
    public func read(group: String, topics: [String], timeout: Duration = .seconds(5)) async -> GroupOffsets {
        let time = ContinuousClock.now
        var partitions: [KafkaTopicPartition] = []
        do {
            for topic in topics {
                partitions += try await admin.partitions(of: topic, timeout: timeout).map { KafkaTopicPartition(topic: topic, partition: $0) }
            }
        } catch {
            return .failed(group: group, time: time, failure: "cannot read the partitions of \(topics.joined(separator: ", ")): \(error)")
        }
        guard !partitions.isEmpty else {
            return .failed(group: group, time: time, failure: "\(topics.joined(separator: ", ")) has no partitions (missing topic?)")
        }
        let committed: [KafkaTopicPartition: Int64]
        do {
            committed = try await admin.committedOffsets(group: group, partitions: partitions, timeout: timeout)
        } catch {
            return .failed(group: group, time: time, failure: "cannot read the committed offsets of \(group): \(error)")
        }
        var watermarks: [KafkaTopicPartition: KafkaWatermarks] = [:]
        var failures: [String] = []
        for partition in partitions {
            do {
                watermarks.merge(try await admin.watermarks([partition], timeout: timeout)) { $1 }
            } catch {
                failures.append("\(partition): \(error)")
            }
        }
        // ListOffsets can read low by up to one batch on some brokers: a fetch finds the exact end.
        var ends: [KafkaTopicPartition: Int64] = [:]
        do {
            ends = try await probe.logEnds(from: watermarks.mapValues(\.logEnd), timeout: timeout)
        } catch {
            logger.warning("cannot read exact log ends; lag may read low by one batch", metadata: ["group": "\(group)", "error": "\(error)"])
        }
        let members = await describe(group, timeout: timeout).flatMap(Self.memberCount)
        let offsets = partitions.compactMap { partition -> PartitionOffsets? in
            guard let marks = watermarks[partition] else { return nil }
            return PartitionOffsets(
                partition: partition, committed: committed[partition], logStart: marks.logStart,
                logEnd: max(marks.logEnd, ends[partition] ?? 0))
        }
        return GroupOffsets(
            group: group, time: time, partitions: offsets, expectedPartitions: partitions.count, members: members,
            failure: failures.isEmpty ? nil : "cannot read the offsets of \(failures.joined(separator: "; "))")
    }

    /// Whether `group` is in a stable state (its members own their partitions), or `nil` when the broker
    /// cannot tell.
    public func isStable(group: String, timeout: Duration = .seconds(5)) async -> Bool? {
        await describe(group, timeout: timeout).map { $0.state == .stable }
    }

    /// The members of a described group, or `nil` when the description cannot tell: the local broker
    /// (Tansu) lists no members even for a stable group.
    static func memberCount(_ description: KafkaGroupDescription) -> Int? {
        switch description.state {
        case .empty, .dead: description.members.count
        default: description.members.isEmpty ? nil : description.members.count
        }
    }

    /// The group's description, or `nil` when the broker cannot give one: the local broker (Tansu) answers
    /// with an unknown state while a group forms.
    private func describe(_ group: String, timeout: Duration) async -> KafkaGroupDescription? {
        do {
            let description = try await admin.describeGroup(group, timeout: timeout)
            return description.state == .unknown ? nil : description
        } catch {
            logger.debug("cannot describe the group", metadata: ["group": "\(group)", "error": "\(error)"])
            return nil
        }
    }
}
