import EventModel

/// The event routes of contract section 2 and what each one takes.
enum IngestRoute: Sendable, CaseIterable {
    /// `POST /webhook/events`: one social event or an array of them.
    case webhook
    /// `POST /webhook/events/bulk`: `{ "events": [ ... ] }` of social events.
    case bulk
    /// `POST /events`: generic product events.
    case product

    var path: String {
        switch self {
        case .webhook: "/webhook/events"
        case .bulk: "/webhook/events/bulk"
        case .product: "/events"
        }
    }

    var shape: EventRequestShape {
        switch self {
        case .webhook: .webhook
        case .bulk: .bulk
        case .product: .productEvents
        }
    }

    /// The sources whose events the route carries: whose signing secrets protect it.
    var sources: [EventSource] {
        switch self {
        case .webhook, .bulk: [.facebook, .tiktok]
        case .product: [.app]
        }
    }

    /// The source of events the route rejects before their source is read (metrics only).
    var knownSource: EventSource? { self == .product ? .app : nil }
}
