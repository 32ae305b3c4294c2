/// A validated event, reduced to what the platform stores and reports on; the same for the
/// gateway (which publishes `byteRange` of its request body) and the collectors (which decode the
/// published bytes into it again).
public struct EventRecord: Sendable, Hashable {
    /// Which source the event belongs to, and so its topic.
    public var source: EventSource
    /// The idempotency key; for product events the UUID in lowercase, so that the in-request
    /// duplicate check agrees with PostgreSQL's `uuid` equality.
    public var eventId: String
    /// `eventType` of social events (one of the contract's types), `event_type` of product events.
    public var eventType: String
    /// The stage of a social event; nil for product events, which belong to no funnel.
    public var funnelStage: FunnelStage?
    /// The event's own time (`timestamp` or `occurred_at`) in microseconds since the Unix epoch, UTC.
    public var occurredAt: Int64
    /// `data.user.userId` of social events, `user_id` of product events; also the Kafka key.
    public var userId: String
    /// The revenue the event carries as exact decimal text (`"129.99"`); nil when none.
    public var amount: String?
    /// Facebook `data.user.location.country`, TikTok top-stage `engagement.country`, app `properties.country`.
    public var country: String?
    /// Facebook `data.user.location.city`.
    public var city: String?
    /// Facebook bottom-stage `engagement.device`, TikTok top-stage `engagement.device`, app `properties.device`.
    public var device: String?
    /// Facebook `data.user.age`.
    public var age: Int?
    /// Facebook `data.user.gender`.
    public var gender: String?
    /// TikTok `data.user.followers`.
    public var followers: Int?
    /// Facebook bottom-stage `engagement.campaignId`.
    public var campaignId: String?
    /// Where the event's original text lies in the bytes it was read from.
    public var byteRange: Range<Int>

    /// A record as given; validation builds records with `init(validating:in:format:)`.
    public init(
        source: EventSource,
        eventId: String,
        eventType: String,
        funnelStage: FunnelStage?,
        occurredAt: Int64,
        userId: String,
        amount: String? = nil,
        country: String? = nil,
        city: String? = nil,
        device: String? = nil,
        age: Int? = nil,
        gender: String? = nil,
        followers: Int? = nil,
        campaignId: String? = nil,
        byteRange: Range<Int>
    ) {
        self.source = source
        self.eventId = eventId
        self.eventType = eventType
        self.funnelStage = funnelStage
        self.occurredAt = occurredAt
        self.userId = userId
        self.amount = amount
        self.country = country
        self.city = city
        self.device = device
        self.age = age
        self.gender = gender
        self.followers = followers
        self.campaignId = campaignId
        self.byteRange = byteRange
    }

    /// Validates one event object of a parsed document against the contract (section 1.1 or 1.2).
    ///
    /// Throws the first rule the event breaks, those of `rule` (what is storable) included. Unknown fields
    /// are ignored; a nullable field may be `null` or absent.
    public init(
        validating node: JSONDocument.Node,
        in document: JSONDocument,
        format: EventFormat,
        rule: StorabilityRule = StorabilityRule()
    ) throws(EventValidationError) {
        self = try EventValidator(document: document, rule: rule).event(node, format: format)
    }

    /// Parses and validates one published event, as a collector reads a Kafka record value: against
    /// what the store can keep (``StorabilityRule/store``), not the gateway's window and size settings,
    /// which may have changed since the event was accepted.
    public init(decoding bytes: [UInt8], format: EventFormat) throws(EventDecodingError) {
        let document: JSONDocument
        do {
            document = try JSONDocument.parse(bytes)
        } catch {
            throw .malformedJSON(error)
        }
        do {
            self = try EventRecord(validating: document.root, in: document, format: format, rule: .store)
        } catch {
            throw .invalidEvent(error)
        }
    }
}

/// Why bytes read back from Kafka are not a valid event.
public enum EventDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes are not JSON.
    case malformedJSON(JSONSyntaxError)
    /// JSON, but not an event of the contract.
    case invalidEvent(EventValidationError)

    public var description: String {
        switch self {
        case .malformedJSON(let error): "not valid JSON: \(error)"
        case .invalidEvent(let error): error.message
        }
    }
}
