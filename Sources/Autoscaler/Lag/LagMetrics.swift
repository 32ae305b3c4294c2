import Metrics

/// Exports lag reports under the contract's names (section 6): `kafka_consumergroup_lag{group,topic,partition}`,
/// `kafka_consumergroup_lag_total{group}`, `kafka_consumergroup_lag_seconds{group}`,
/// `kafka_consumergroup_status{group,status}` (1 for the current status), per partition
/// `kafka_consumergroup_partition_status{group,topic,partition,status}`, and
/// `kafka_consumergroup_consumption_rate{group}`, `kafka_consumergroup_members{group}`,
/// `kafka_consumergroup_partitions{group}`.
public enum LagMetrics {
    /// Records `report`. A failed read leaves the last figures as they were (a scrape then shows the
    /// last known lag, and the failure counter says why it is old).
    public static func record(_ report: GroupLagReport) {
        let group = report.group
        guard report.offsets.failure == nil || !report.partitions.isEmpty else { return }
        for partition in report.partitions {
            let dimensions = [
                ("group", group), ("topic", partition.offsets.partition.topic), ("partition", String(partition.offsets.partition.partition)),
            ]
            Gauge(label: "kafka_consumergroup_lag", dimensions: dimensions).record(partition.offsets.lag)
            for status in GroupStatus.allCases {
                Gauge(label: "kafka_consumergroup_partition_status", dimensions: dimensions + [("status", status.rawValue)])
                    .record(status == partition.status ? 1 : 0)
            }
        }
        guard report.isComplete else { return }
        Gauge(label: "kafka_consumergroup_lag_total", dimensions: [("group", group)]).record(report.totalLag)
        Gauge(label: "kafka_consumergroup_partitions", dimensions: [("group", group)]).record(report.offsets.expectedPartitions)
        for status in GroupStatus.allCases {
            Gauge(label: "kafka_consumergroup_status", dimensions: [("group", group), ("status", status.rawValue)])
                .record(status == report.status ? 1 : 0)
        }
        if let seconds = report.lagSeconds ?? (report.totalLag == 0 ? 0 : nil) {
            Gauge(label: "kafka_consumergroup_lag_seconds", dimensions: [("group", group)]).record(seconds)
        }
        if let rate = report.consumptionRate {
            Gauge(label: "kafka_consumergroup_consumption_rate", dimensions: [("group", group)]).record(rate)
        }
        if let members = report.offsets.members {
            Gauge(label: "kafka_consumergroup_members", dimensions: [("group", group)]).record(members)
        }
    }
}
