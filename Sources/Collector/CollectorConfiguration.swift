public import EventModel

/// Settings of a collector: which source it consumes, and where it serves `/metrics` and health.
public struct CollectorConfiguration: Sendable, Hashable {
    public var source: EventSource
    /// The consumer group; one per source by default (contract section 3).
    public var groupID: String
    public var metricsPort: Int

    public init(source: EventSource) {
        self.source = source
        self.groupID = source.collectorGroup
        self.metricsPort = source.collectorPort
    }
}
