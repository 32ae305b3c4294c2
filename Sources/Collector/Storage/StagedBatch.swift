internal import EventModel
internal import Postgres

/// A batch's events as COPY rows for the staging table, each (source, event id) once, and the days and
/// dimensions each user was active with (for ``UserHistory``).
struct StagedBatch {
    private(set) var buffer: PostgresCopyBuffer
    /// Events left out because an earlier event of the same batch has the same (source, event id).
    private(set) var repeatedInBatch = 0
    /// Per (source, user id), the dimensions and days of their events.
    private(set) var activity: [UserKey: [(UserDimension, Int64)]] = [:]

    /// A user: ids are unique within a source only.
    struct UserKey: Hashable {
        var source: String
        var userId: String
    }

    var rowCount: Int { buffer.rowCount }

    private struct Key: Hashable {
        var source: EventSource
        var eventId: String
    }

    init(_ events: [ConsumedEvent]) {
        buffer = PostgresCopyBuffer(reservingCapacity: events.count * 512)
        var seen = Set<Key>(minimumCapacity: events.count)
        for consumed in events {
            let event = consumed.event
            guard seen.insert(Key(source: event.source, eventId: event.eventId)).inserted else {
                repeatedInBatch += 1
                continue
            }
            let day = UTCCalendar.day(ofMicroseconds: event.occurredAt)
            activity[UserKey(source: event.source.rawValue, userId: event.userId), default: []]
                .append(contentsOf: UserDimension.all(of: event).map { ($0, day) })
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
}
