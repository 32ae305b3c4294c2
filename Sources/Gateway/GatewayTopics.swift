public import EventModel
public import Kafka
public import Logging

/// The Kafka topics of the gateway (platform contract, section 3): one per source, and the dead-letter
/// topic that the collectors write to and that is created together with the others.
public struct GatewayTopics: Sendable, Hashable {
    public var facebook: String
    public var tiktok: String
    public var app: String
    public var deadLetter: String

    /// The contract's names (`events.facebook`, ...), each preceded by `prefix`; a prefix lets tests or
    /// environments that share a cluster keep their events apart.
    public init(prefix: String = "") {
        facebook = prefix + EventSource.facebook.topic
        tiktok = prefix + EventSource.tiktok.topic
        app = prefix + EventSource.app.topic
        deadLetter = prefix + EventSource.deadLetterTopic
    }

    /// The topic of `source`'s events.
    public subscript(source: EventSource) -> String {
        switch source {
        case .facebook: facebook
        case .tiktok: tiktok
        case .app: app
        }
    }

    /// Every topic, dead-letter topic included.
    public var all: [String] { [facebook, tiktok, app, deadLetter] }

    /// Creates the topics that do not exist yet with `partitions` partitions each; existing topics are
    /// left as they are. The executable calls this on start.
    public func createMissing(brokers: String, partitions: Int32 = 6, logger: Logger) async throws(KafkaError) {
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: brokers), logger: logger)
        try await admin.createTopics(all.map { KafkaNewTopic(name: $0, partitions: partitions) })
        logger.info("topics ready", metadata: ["topics": "\(all.joined(separator: ","))", "partitions": "\(partitions)"])
    }
}
