/// Values by id, for ids handed out in sequence: the publisher's events in flight.
///
/// A ring indexed by the id's low bits, with no hashing: the ids in flight at once are a window of
/// recent ones (events complete roughly in the order they were handed out), so each falls into a slot of
/// its own. An id whose slot an older one still holds (an event stuck longer than the ring is wide)
/// goes to an overflow dictionary. (A `Dictionary` of all of them hashed every id with SipHash on insert
/// and on removal: about 4% of the gateway's CPU under bulk load.) The ring doubles when it is half full.
struct SequentialIDTable<Value> {
    private struct Entry {
        var id: UInt64
        var value: Value
    }

    private var ring: [Entry?]
    private var overflow: [UInt64: Value] = [:]
    private(set) var count = 0

    init(minimumCapacity: Int = 1024) {
        var capacity = 16
        while capacity < minimumCapacity * 2 { capacity *= 2 }
        ring = Array(repeating: nil, count: capacity)
    }

    private func slot(of id: UInt64) -> Int { Int(truncatingIfNeeded: id) & (ring.count - 1) }

    func contains(_ id: UInt64) -> Bool {
        ring[slot(of: id)]?.id == id || (!overflow.isEmpty && overflow[id] != nil)
    }

    /// Adds `value` under `id`, which must not be in the table.
    mutating func insert(_ value: Value, id: UInt64) {
        if (count + 1) * 2 > ring.count { grow() }
        place(Entry(id: id, value: value))
        count += 1
    }

    /// Removes and returns the value under `id`; nil when there is none.
    mutating func remove(_ id: UInt64) -> Value? {
        let slot = slot(of: id)
        if let entry = ring[slot], entry.id == id {
            ring[slot] = nil
            count -= 1
            return entry.value
        }
        guard !overflow.isEmpty, let value = overflow.removeValue(forKey: id) else { return nil }
        count -= 1
        return value
    }

    /// Every id in the table, in no particular order.
    var ids: [UInt64] { ring.compactMap { $0?.id } + overflow.keys }

    private mutating func place(_ entry: Entry) {
        let slot = slot(of: entry.id)
        if ring[slot] == nil {
            ring[slot] = entry
        } else {
            overflow[entry.id] = entry.value
        }
    }

    private mutating func grow() {
        let entries = ring.compactMap { $0 } + overflow.map { Entry(id: $0.key, value: $0.value) }
        ring = Array(repeating: nil, count: ring.count * 2)
        overflow = [:]
        for entry in entries { place(entry) }
    }
}
