/// Where an event comes from; each source has its own topic and consumer group (contract section 3).
public enum EventSource: String, Sendable, Hashable, CaseIterable, Codable {
    case facebook
    case tiktok
    case app

    /// The Kafka topic that carries this source's validated events.
    public var topic: String { "events.\(rawValue)" }

    /// The consumer group of this source's collectors.
    public var collectorGroup: String { "collector-\(rawValue)" }

    /// The default port of this source's collector for `/metrics` and health (contract section 2).
    public var collectorPort: Int {
        switch self {
        case .facebook: 9101
        case .tiktok: 9102
        case .app: 9103
        }
    }

    /// The topic for records a collector could not process.
    public static let deadLetterTopic = "events.dlq"
}
