internal import CRDKafka

/// An error reported by librdkafka, with its code, name and text.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// librdkafka's error code (`rd_kafka_resp_err_t`); negative codes are local to the client,
    /// positive codes come from the broker.
    public struct Code: RawRepresentable, Sendable, Hashable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        init(_ error: rd_kafka_resp_err_t) { self.rawValue = error.rawValue }

        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        public static let topicAlreadyExists = Code(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        public static let messageSizeTooLarge = Code(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
        public static let recordListTooLarge = Code(RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE)
        public static let invalidRecord = Code(RD_KAFKA_RESP_ERR_INVALID_RECORD)
        /// The producer hit an unrecoverable error (e.g. the broker forgot its idempotence state);
        /// it must be replaced by a new producer.
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
        /// Raised by this layer, not librdkafka: the client was already closed.
        public static let closed = Code(RD_KAFKA_RESP_ERR__DESTROY)
    }

    public let code: Code
    /// librdkafka's symbolic name of the code, e.g. `_MSG_TIMED_OUT`.
    public let name: String
    /// A human-readable explanation.
    public let message: String

    public init(code: Code, name: String, message: String) {
        self.code = code
        self.name = name
        self.message = message
    }

    /// An error of librdkafka's `code` raised by its caller (e.g. a record that never got a report),
    /// named as librdkafka names the code.
    public init(code: Code, message: String) {
        self.init(rd_kafka_resp_err_t(rawValue: code.rawValue), message: message)
    }

    init(_ error: rd_kafka_resp_err_t, message: String? = nil) {
        self.code = Code(error)
        self.name = String(cString: rd_kafka_err2name(error))
        self.message = message ?? String(cString: rd_kafka_err2str(error))
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer) {
        self.init(rd_kafka_error_code(error), message: String(cString: rd_kafka_error_string(error)))
        rd_kafka_error_destroy(error)
    }

    static func configuration(_ message: String) -> KafkaError {
        KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, message: message)
    }

    static let closedClient = KafkaError(RD_KAFKA_RESP_ERR__DESTROY, message: "the Kafka client is closed")

    /// Throws when `error` is not `NO_ERROR`.
    static func check(_ error: rd_kafka_resp_err_t, _ context: @autoclosure () -> String) throws(KafkaError) {
        guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        let text = String(cString: rd_kafka_err2str(error))
        throw KafkaError(error, message: "\(context()): \(text)")
    }

    /// Whether the record itself can never be published (larger than the record limit, or refused by the
    /// broker as invalid): sending it again fails the same way, unlike a broker that is down or slow.
    public var refusesRecord: Bool {
        code == .messageSizeTooLarge || code == .recordListTooLarge || code == .invalidRecord
    }

    public var description: String { "Kafka error \(name) (\(code.rawValue)): \(message)" }
}
