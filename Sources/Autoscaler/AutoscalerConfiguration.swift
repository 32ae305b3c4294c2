public import Kafka

/// What the autoscaler supervises and how it scales: plain values with the contract's defaults
/// (section 8); the command line fills them from flags and the environment.
public struct AutoscalerConfiguration: Sendable {
    /// One consumer group and how to start its collectors.
    public struct Group: Sendable, Hashable {
        /// The source, as a label for metrics and the scrape targets.
        public var source: String
        public var group: String
        public var topic: String
        public var collector: CollectorCommandLine

        public init(source: String, group: String, topic: String, collector: CollectorCommandLine) {
            self.source = source
            self.group = group
            self.topic = topic
            self.collector = collector
        }
    }

    public var groups: [Group]
    /// Brokers (and any client settings) for the lag reads.
    public var kafka: KafkaConfiguration
    public var policy = ScalingPolicy()
    /// Time between lag reads and decisions.
    public var pollingInterval: Duration = .seconds(5)
    /// The window over which statuses and the consumption rate are judged.
    public var statusWindow: Duration = .seconds(30)
    /// How long a collector may take to stop after SIGTERM before it is killed.
    public var stopTimeout: Duration = .seconds(60)
    /// The least time a group takes to form again after a member joined or left: a scale-in waits at
    /// least that long after the last change (and until every partition with lag is consumed again); a
    /// shutdown waits at most three times that per collector.
    public var regroupTime: Duration = .seconds(10)
    /// Where to keep a Prometheus file-based service discovery file of the collectors, if anywhere.
    public var scrapeTargetsFile: String?
    /// The host Prometheus reaches the collectors at.
    public var scrapeTargetHost = "127.0.0.1"

    public init(groups: [Group], kafka: KafkaConfiguration) {
        self.groups = groups
        self.kafka = kafka
    }
}
