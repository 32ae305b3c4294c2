internal import EventModel
internal import UserActivity
internal import Postgres

/// A batch's events as COPY rows, each (source, event id) once: their dedupe keys, their raw rows, and the
/// columns the aggregates group by; and the days and dimensions each user was active with (for
/// ``UserHistory``).
///
/// The raw rows go straight into `events` and only the user and the aggregated columns into a staging table, so
/// each event's payload crosses into PostgreSQL once and is written once.
struct StagedBatch {
    /// `collector_keys` rows: (source, event id).
    private(set) var keys: PostgresCopyBuffer
    /// `events` rows, in ``BatchWriter/copyEvents``'s column order.
    private(set) var rawRows: PostgresCopyBuffer
    /// `collector_fresh` rows: the user and what the aggregates group and sum, with hour and day computed here.
    private(set) var aggregateRows: PostgresCopyBuffer
    /// Events left out because an earlier event of the same batch has the same (source, event id).
    private(set) var repeatedInBatch = 0
    /// Events left out because their (source, event id) was already stored.
    private(set) var storedBefore = 0
    /// The staged events, each (source, event id) once, in batch order.
    private var staged: [EventRecord] = []

    /// An event: ids are unique within a source only, and compared as PostgreSQL compares them.
    struct EventKey: Hashable {
        var source: String
        var eventId: BytewiseString
    }

    var rowCount: Int { staged.count }

    /// Stages `events` but those whose key is in `stored` (found in `event_keys` by an earlier attempt).
    init(_ events: [ConsumedEvent], excluding stored: Set<EventKey> = []) {
        keys = PostgresCopyBuffer(reservingCapacity: events.count * 48)
        rawRows = PostgresCopyBuffer(reservingCapacity: events.count * 512)
        aggregateRows = PostgresCopyBuffer(reservingCapacity: events.count * 128)
        staged.reserveCapacity(events.count)
        var seen = Set<EventKey>(minimumCapacity: events.count)
        for consumed in events {
            let event = consumed.event
            let key = EventKey(source: event.source.rawValue, eventId: BytewiseString(event.eventId))
            guard seen.insert(key).inserted else {
                repeatedInBatch += 1
                continue
            }
            guard !stored.contains(key) else {
                storedBefore += 1
                continue
            }
            staged.append(event)
            keys.appendRow([event.source.rawValue, event.eventId])
            rawRows.appendRow([
                event.source.rawValue,
                event.eventId,
                event.eventType,
                event.funnelStage?.rawValue,
                UTCCalendar.timestampText(ofMicroseconds: event.occurredAt),
                event.userId,
                event.amount,
                event.country,
                event.city,
                event.device,
                event.age,
                event.gender,
                event.followers,
                event.campaignId,
                String(decoding: consumed.payload, as: UTF8.self),
            ])
            aggregateRows.appendRow([
                event.source.rawValue,
                event.userId,
                event.eventType,
                event.funnelStage?.rawValue,
                UTCCalendar.hourText(ofMicroseconds: event.occurredAt),
                UTCCalendar.dateText(ofDay: UTCCalendar.day(ofMicroseconds: event.occurredAt)),
                event.country,
                event.device,
                event.campaignId,
                event.amount,
            ])
        }
    }

    /// Per (source, user id), the dimensions and days of the staged events. Only events stored for the
    /// first time are staged: a repeat of a stored event (another time or user, same id) is a duplicate,
    /// and must not move anyone's activity.
    func activity() -> [UserKey: [(UserDimension, Int64)]] {
        var activity: [UserKey: [(UserDimension, Int64)]] = [:]
        for event in staged {
            let day = UTCCalendar.day(ofMicroseconds: event.occurredAt)
            activity[UserKey(source: event.source.rawValue, userId: BytewiseString(event.userId)), default: []]
                .append(contentsOf: UserDimension.all(of: event).map { ($0, day) })
        }
        return activity
    }
}
