/// The two event shapes of the contract, which decide how an event object is validated.
public enum EventFormat: Sendable, Hashable {
    /// Facebook and TikTok webhook events (section 1.1); the `source` field names the source.
    case social
    /// Generic product events (section 1.2), all of source `app`.
    case product

    /// The format of the events a source's topic carries, for collectors.
    public init(source: EventSource) {
        self = source == .app ? .product : .social
    }
}
