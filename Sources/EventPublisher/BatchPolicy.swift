/// When the publisher hands a topic's batch to Kafka.
///
/// A batch flushes as soon as it holds ``size`` events, or when its oldest event has waited
/// ``timeout``; a batch never holds more than ``maximumSize`` events.
public struct BatchPolicy: Sendable, Hashable {
    /// Flush when a batch reaches this many events.
    public var size: Int
    /// Flush when the oldest event of a batch has waited this long.
    public var timeout: Duration
    /// The hard upper bound of a batch; larger submissions are split.
    public var maximumSize: Int

    public init(size: Int = 100, timeout: Duration = .milliseconds(500), maximumSize: Int = 500) {
        self.size = size
        self.timeout = timeout
        self.maximumSize = maximumSize
    }

    /// Why a batch was handed to Kafka; the `reason` label of `publisher_flushes_total`.
    public enum FlushReason: String, Sendable, Hashable, CaseIterable {
        /// The batch reached ``BatchPolicy/size``.
        case size
        /// The oldest event waited ``BatchPolicy/timeout``.
        case time
        /// ``Publisher/flush()`` was called.
        case forced
        /// The publisher is shutting down.
        case shutdown
    }

    /// Throws when the settings contradict each other.
    public func validate() throws(PublisherConfigurationError) {
        guard size >= 1 else { throw .invalid("batch size must be at least 1, got \(size)") }
        guard maximumSize >= size else {
            throw .invalid("maximum batch size (\(maximumSize)) must be at least the batch size (\(size))")
        }
        guard timeout > .zero else { throw .invalid("batch timeout must be positive, got \(timeout)") }
    }
}

/// Publisher settings that cannot work together, with a message saying which and why.
public struct PublisherConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public static func invalid(_ message: String) -> Self { Self(message: message) }
    public var description: String { "invalid publisher configuration: \(message)" }
}
