/// The top-level shape of a gateway route's body (contract section 2).
public enum EventRequestShape: Sendable, Hashable {
    /// `POST /webhook/events`: one social event object, or a JSON array of them.
    case webhook
    /// `POST /webhook/events/bulk`: `{ "events": [ ... ] }` of social events.
    case bulk
    /// `POST /events`: `{ "events": [ ... ] }` of product events.
    case productEvents

    var format: EventFormat { self == .productEvents ? .product : .social }
}

/// An invalid item of a request: where it was, its event id when readable, and why.
public struct EventRejection: Error, Sendable, Hashable {
    /// The 0-based position of the item in the request.
    public let index: Int
    /// The item's `eventId` (`event_id` for product events) when it is a string of at most 128
    /// characters, valid or not; nil otherwise.
    public let eventId: String?
    /// The first rule the item breaks.
    public let error: EventValidationError

    /// A rejection of the item at `index`.
    public init(index: Int, eventId: String?, error: EventValidationError) {
        self.index = index
        self.eventId = eventId
        self.error = error
    }
}

/// A request body read as events: each item validated, in request order.
public struct EventRequest: Sendable {
    /// The body as received; `byteRange` of each record points into it.
    public let body: [UInt8]
    /// One result per item of the request, in order.
    public let items: [Result<EventRecord, EventRejection>]

    /// Parses `body` as the route's `shape` and validates every item, against `rule` too: an event the
    /// platform could not store is an invalid item.
    ///
    /// Throws when the body is not JSON, not the route's shape, or holds more than `maximumEvents`
    /// items; an empty list is not an error here (the route decides what to answer).
    public static func parse(
        _ body: [UInt8],
        shape: EventRequestShape,
        maximumEvents: Int,
        rule: StorabilityRule = StorabilityRule(),
        maximumDepth: Int = JSONDocument.defaultMaximumDepth
    ) throws(EventRequestError) -> EventRequest {
        let document: JSONDocument
        do {
            // The event list is counted while it is parsed: a body of too many items is refused before the
            // rest of it is read. Values are bounded by the body's size: events average ~9 bytes a value (keys
            // included), and one per 4 bytes keeps the tape within four times the body.
            document = try JSONDocument.parse(
                body, maximumDepth: maximumDepth, maximumListLength: maximumEvents, maximumValues: Self.maximumValues(inBodyOf: body.count))
        } catch where error.exceededLimit == .listLength {
            throw EventRequestError(.tooManyEvents, "a request may carry at most \(maximumEvents) events, this one has more")
        } catch where error.exceededLimit == .values {
            throw EventRequestError(
                .tooManyValues, "a body of \(body.count) bytes may hold at most \(Self.maximumValues(inBodyOf: body.count)) JSON values (one per 4 bytes)")
        } catch {
            throw EventRequestError(.malformedJSON, "body is not valid JSON: \(error)")
        }
        let events = try eventNodes(of: document, shape: shape)
        let count = events.count

        let format = shape.format
        let validator = EventValidator(document: document, rule: rule)
        var items: [Result<EventRecord, EventRejection>] = []
        items.reserveCapacity(count)
        for (index, node) in events.enumerated() {
            do {
                items.append(.success(try validator.event(node, format: format)))
            } catch {
                let eventIdKey = format == .product ? "event_id" : "eventId"
                let rejection = EventRejection(
                    index: index, eventId: validator.readableString(eventIdKey, of: node), error: error)
                items.append(.failure(rejection))
            }
        }
        return EventRequest(body: body, items: items)
    }

    /// The most JSON values (keys included) a body of `size` bytes may hold.
    public static func maximumValues(inBodyOf size: Int) -> Int { size / 4 + 64 }

    /// The valid items, in request order, duplicates included.
    public var records: [EventRecord] { items.compactMap { try? $0.get() } }

    /// The invalid items, in request order.
    public var rejections: [EventRejection] {
        items.compactMap {
            guard case .failure(let rejection) = $0 else { return nil }
            return rejection
        }
    }

    /// The valid items with repeats of a (source, eventId) removed, and how many were removed.
    public func deduplicated() -> DeduplicatedEvents { DeduplicatedEvents(records) }

    /// The original text of `record`, as it is published.
    public func bytes(of record: EventRecord) -> ArraySlice<UInt8> { body[record.byteRange] }

    /// The event nodes of the body, or the shape error of the route.
    private static func eventNodes(
        of document: JSONDocument,
        shape: EventRequestShape
    ) throws(EventRequestError) -> [JSONDocument.Node] {
        let root = document.root
        switch (shape, document.kind(of: root)) {
        case (.webhook, .object):
            return [root]
        case (.webhook, .array):
            return Array(document.elements(of: root))
        case (.webhook, _):
            throw EventRequestError(.unexpectedShape, "body must be a JSON object or array of events")
        case (_, .object):
            guard let events = document.member("events", of: root) else {
                throw EventRequestError(.unexpectedShape, "events is required")
            }
            guard document.kind(of: events) == .array else {
                throw EventRequestError(.unexpectedShape, "events must be an array")
            }
            return Array(document.elements(of: events))
        case (_, _):
            throw EventRequestError(.unexpectedShape, "body must be a JSON object with an events array")
        }
    }
}

extension EventValidator {
    /// A member that is a string of at most 128 characters, for error reports; nil otherwise.
    func readableString(_ key: String, of node: Node) -> String? {
        guard document.kind(of: node) == .object, let value = document.member(key, of: node),
            let length = document.stringLength(value), length <= Self.maximumEventIdLength
        else { return nil }
        return document.string(value)
    }
}
