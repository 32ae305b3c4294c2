internal import CRDKafka
import Logging

/// Owns one `rd_kafka_t` and the Swift state its C callbacks reach through librdkafka's opaque pointer.
/// librdkafka handles are thread-safe, which is why this is `Sendable`.
final class KafkaHandle: @unchecked Sendable {
    enum Kind { case producer, consumer }

    /// What librdkafka's C callbacks need; reached through `rd_kafka_opaque`.
    final class Callbacks: Sendable {
        let logger: Logger
        let rebalance: (@Sendable (OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Void)?

        init(
            logger: Logger,
            rebalance: (@Sendable (OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Void)?
        ) {
            self.logger = logger
            self.rebalance = rebalance
        }

        static func from(_ handle: OpaquePointer?) -> Callbacks? {
            guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
            return Unmanaged<Callbacks>.fromOpaque(opaque).takeUnretainedValue()
        }
    }

    let pointer: OpaquePointer
    let logger: Logger
    private let callbacks: Callbacks

    /// Creates the client. `events` enables librdkafka's event API for those event types
    /// (e.g. delivery reports); `rebalance` installs a consumer rebalance callback.
    init(
        kind: Kind,
        configuration: KafkaConfiguration,
        logger: Logger,
        events: Int32 = 0,
        rebalance: (@Sendable (OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Void)? = nil
    ) throws(KafkaError) {
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in configuration.properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, name, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw .configuration("invalid Kafka setting \(name)=\(value): \(decodeErrorText(errorText))")
            }
        }
        let callbacks = Callbacks(logger: logger, rebalance: rebalance)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbacks).toOpaque())
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, kafkaErrorCallback)
        if rebalance != nil { rd_kafka_conf_set_rebalance_cb(conf, kafkaRebalanceCallback) }
        if events != 0 { rd_kafka_conf_set_events(conf, events) }

        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        // On success rd_kafka_new owns `conf`; on failure the caller still does.
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw .configuration("cannot create Kafka client: \(decodeErrorText(errorText))")
        }
        self.pointer = handle
        self.logger = logger
        self.callbacks = callbacks
    }

    deinit {
        rd_kafka_destroy(pointer)
    }
}

// librdkafka calls these from its own threads; they only log.
private func kafkaLogCallback(_ handle: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?, _ text: UnsafePointer<CChar>?) {
    guard let callbacks = KafkaHandle.Callbacks.from(handle) else { return }
    callbacks.logger.log(
        level: Logger.Level(syslog: level),
        "\(text.map { String(cString: $0) } ?? "")",
        metadata: ["kafka.facility": "\(facility.map { String(cString: $0) } ?? "")"]
    )
}

private func kafkaErrorCallback(_ handle: OpaquePointer?, _ code: Int32, _ reason: UnsafePointer<CChar>?, _ opaque: UnsafeMutableRawPointer?) {
    guard let opaque else { return }
    let callbacks = Unmanaged<KafkaHandle.Callbacks>.fromOpaque(opaque).takeUnretainedValue()
    let error = KafkaError(rd_kafka_resp_err_t(code), message: reason.map { String(cString: $0) })
    let fatal = code == RD_KAFKA_RESP_ERR__FATAL.rawValue
    callbacks.logger.log(level: fatal ? .critical : .warning, "librdkafka reported an error", metadata: ["kafka.error": "\(error)"])
}

private func kafkaRebalanceCallback(
    _ handle: OpaquePointer?, _ code: rd_kafka_resp_err_t,
    _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let handle, let partitions, let opaque else { return }
    let callbacks = Unmanaged<KafkaHandle.Callbacks>.fromOpaque(opaque).takeUnretainedValue()
    callbacks.rebalance?(handle, code, partitions)
}

extension Logger.Level {
    /// librdkafka logs with syslog levels (0 emergency ... 7 debug).
    init(syslog level: Int32) {
        switch level {
        case ...2: self = .critical
        case 3: self = .error
        case 4: self = .warning
        case 5: self = .notice
        case 6: self = .info
        default: self = .debug
        }
    }
}
