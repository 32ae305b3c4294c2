public import Kafka

/// Why an event was not published.
public struct PublisherError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable { case bufferFull, deliveryFailed, shutDown, encodingFailed }
        private let value: Value

        /// The publisher held its capacity of events or bytes for longer than the enqueue timeout.
        public static let bufferFull = Code(value: .bufferFull)
        /// Kafka did not acknowledge the event (broker down past the delivery timeout, topic missing, ...).
        public static let deliveryFailed = Code(value: .deliveryFailed)
        /// The publisher is shutting down or has stopped and takes no new events.
        public static let shutDown = Code(value: .shutDown)
        /// A Codable event could not be encoded.
        public static let encodingFailed = Code(value: .encodingFailed)

        public var description: String { "\(value)" }
    }

    public let code: Code
    public let message: String
    /// librdkafka's error, for `deliveryFailed`.
    public let kafkaError: KafkaError?

    init(code: Code, message: String, kafkaError: KafkaError? = nil) {
        self.code = code
        self.message = message
        self.kafkaError = kafkaError
    }

    static func bufferFull(_ timeout: Duration, events: Int, bytes: Int) -> PublisherError {
        PublisherError(code: .bufferFull, message: "the publisher buffer stayed full (\(events) events, \(bytes) bytes) for \(timeout); Kafka is not keeping up or is unavailable")
    }

    static func deliveryFailed(_ error: KafkaError) -> PublisherError {
        PublisherError(code: .deliveryFailed, message: "Kafka did not acknowledge the event: \(error.message)", kafkaError: error)
    }

    static let shutDown = PublisherError(code: .shutDown, message: "the publisher is shut down and takes no new events")

    /// Whether Kafka refused the event itself (e.g. too large for a record): publishing it again fails
    /// the same way, whereas every other error may pass once Kafka is back.
    public var refusesEvent: Bool { kafkaError?.refusesRecord == true }

    public var description: String { "publisher error (\(code)): \(message)" }
}
