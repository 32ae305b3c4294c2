/// Valid events of one request with repeats removed (contract section 2, `duplicates`): an event
/// whose (source, eventId) was already seen earlier in the request is counted, not kept. Ids are
/// compared byte for byte, as the database compares them (``BytewiseString``).
public struct DeduplicatedEvents: Sendable {
    /// The first event of each (source, eventId), in request order.
    public let records: [EventRecord]
    /// How many events repeated an earlier one.
    public let duplicates: Int

    public init(_ records: some Sequence<EventRecord>) {
        var seen: Set<Key> = []
        var unique: [EventRecord] = []
        seen.reserveCapacity(records.underestimatedCount)
        unique.reserveCapacity(records.underestimatedCount)
        var duplicates = 0
        for record in records {
            if seen.insert(Key(source: record.source, eventId: BytewiseString(record.eventId))).inserted {
                unique.append(record)
            } else {
                duplicates += 1
            }
        }
        self.records = unique
        self.duplicates = duplicates
    }

    private struct Key: Hashable {
        let source: EventSource
        let eventId: BytewiseString
    }
}
