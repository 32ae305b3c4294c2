internal import EventModel
internal import UserActivity
internal import Postgres

/// A batch's events as COPY rows for the staging table, each (source, event id) once, and the days and
/// dimensions each user was active with (for ``UserHistory``).
struct StagedBatch {
    private(set) var buffer: PostgresCopyBuffer
    /// Events left out because an earlier event of the same batch has the same (source, event id).
    private(set) var repeatedInBatch = 0
    /// The staged events, each (source, event id) once, in batch order.
    private var staged: [EventRecord] = []

    /// An event: ids are unique within a source only, and compared as PostgreSQL compares them.
    struct EventKey: Hashable {
        var source: String
        var eventId: BytewiseString
    }

    var rowCount: Int { buffer.rowCount }

    init(_ events: [ConsumedEvent]) {
        buffer = PostgresCopyBuffer(reservingCapacity: events.count * 512)
        staged.reserveCapacity(events.count)
        var seen = Set<EventKey>(minimumCapacity: events.count)
        for consumed in events {
            let event = consumed.event
            guard seen.insert(EventKey(source: event.source.rawValue, eventId: BytewiseString(event.eventId))).inserted else {
                repeatedInBatch += 1
                continue
            }
            staged.append(event)
            let day = UTCCalendar.day(ofMicroseconds: event.occurredAt)
            buffer.appendRow([
                event.source.rawValue,
                event.eventId,
                event.eventType,
                event.funnelStage?.rawValue,
                UTCCalendar.timestampText(ofMicroseconds: event.occurredAt),
                UTCCalendar.hourText(ofMicroseconds: event.occurredAt),
                UTCCalendar.dateText(ofDay: day),
                event.userId,
                event.amount,
                event.country,
                event.city,
                event.device,
                event.age,
                event.age.map { AgeBucket(age: $0).rawValue },
                event.gender,
                event.followers,
                event.followers.map { FollowerBucket(followers: $0).rawValue },
                event.campaignId,
                String(decoding: consumed.payload, as: UTF8.self),
            ])
        }
    }

    /// Per (source, user id), the dimensions and days of the staged events that were newly stored: those
    /// of `fresh`, or all of them when nil. A repeat of a stored event (another time or user, same id) is
    /// a duplicate, and must not move anyone's activity.
    func activity(fresh: Set<EventKey>? = nil) -> [UserKey: [(UserDimension, Int64)]] {
        var activity: [UserKey: [(UserDimension, Int64)]] = [:]
        for event in staged where fresh?.contains(EventKey(source: event.source.rawValue, eventId: BytewiseString(event.eventId))) ?? true {
            let day = UTCCalendar.day(ofMicroseconds: event.occurredAt)
            activity[UserKey(source: event.source.rawValue, userId: BytewiseString(event.userId)), default: []]
                .append(contentsOf: UserDimension.all(of: event).map { ($0, day) })
        }
        return activity
    }
}
