internal import EventModel

/// The days on which one user had events with each of their dimension values: the state from which the
/// collector derives exact changes of the distinct-user counters when a batch brings new days, and from
/// which the reporter tells whether those counters already count a user it found on a range's ragged edge.
///
/// Stored in `user_histories.history` as JSON, `[[dimension, value, [start, days, start, days, …]], …]`:
/// the runs of consecutive active days, each as its first day (days since 1970-01-01) and its length, so a
/// history costs in proportion to the days a user was active, however far apart (a user with events in
/// years 1 and 9999 costs two runs, not 3.6 million days). Adding a day already recorded changes nothing,
/// so a batch read twice (redelivery, a replayed import) cannot count anyone twice.
///
/// Histories stored before runs (by earlier collectors and schema version 5's conversion) hold
/// `[dimension, value, first day, "1101…"]`, a character per day from the first; they are still read, and
/// written back as runs once a batch touches them.
public struct UserHistory: Sendable {
    /// The active days, ascending, of each dimension read or recorded.
    public private(set) var days: [UserDimension: [Int64]] = [:]
    /// Stored entries of dimensions left unread, kept as JSON text and written back as they are.
    private var unread: [ArraySlice<UInt8>] = []

    public init() {}

    /// The history stored as `json`, reading the days of `dimensions` only (all when nil): a batch
    /// touches a few of a user's dimensions, and the rest is written back untouched.
    ///
    /// - Throws: ``UserHistoryError`` when the text is not a history this type wrote.
    public init(json: [UInt8], reading dimensions: Set<UserDimension>? = nil) throws(UserHistoryError) {
        let document: JSONDocument
        do {
            document = try JSONDocument.parse(json)
        } catch {
            throw UserHistoryError(reason: "not JSON: \(error)")
        }
        guard document.kind(of: document.root) == .array else { throw UserHistoryError(reason: "not an array") }
        for entry in document.elements(of: document.root) {
            let fields = Array(document.elements(of: entry))
            guard fields.count >= 3, let name = document.string(fields[0]), let value = document.string(fields[1]) else {
                throw UserHistoryError(reason: "an entry is not [dimension, value, runs]")
            }
            let dimension = UserDimension(name: name, value: value)
            guard dimensions?.contains(dimension) ?? true else {
                unread.append(document.bytes(of: entry))
                continue
            }
            days[dimension] = try Self.activeDays(of: Array(fields.dropFirst(2)), in: document)
        }
    }

    /// The active days of an entry's fields after dimension and value: runs, or the bits of a history
    /// written before runs.
    private static func activeDays(of fields: [JSONDocument.Node], in document: JSONDocument) throws(UserHistoryError) -> [Int64] {
        var active: [Int64] = []
        if fields.count == 1, document.kind(of: fields[0]) == .array {
            let numbers = Array(document.elements(of: fields[0]))
            guard numbers.count % 2 == 0 else { throw UserHistoryError(reason: "runs are not [start, days, …]") }
            for pair in stride(from: 0, to: numbers.count, by: 2) {
                guard let start = document.int(numbers[pair]), let length = document.int(numbers[pair + 1]), length > 0 else {
                    throw UserHistoryError(reason: "a run is not a start day and a positive length")
                }
                for offset in 0..<length { active.append(Int64(start + offset)) }
            }
        } else if fields.count == 2, let first = document.int(fields[0]), document.kind(of: fields[1]) == .string {
            for (offset, bit) in document.bytes(of: fields[1]).enumerated() where bit == UInt8(ascii: "1") {
                active.append(Int64(first + offset - 1))
            }
        } else {
            throw UserHistoryError(reason: "an entry is not [dimension, value, runs]")
        }
        return active
    }

    /// The history as stored: unread entries as they were, then the days of the others.
    public var json: String {
        var writer = JSONWriter(capacity: 64 * (days.count + unread.count) + 2)
        writer.appendRaw("[")
        for entry in unread {
            if writer.bytes.count > 1 { writer.appendRaw(",") }
            writer.appendBytes(entry)
        }
        for (dimension, active) in days.sorted(by: { ($0.key.name, $0.key.value) < ($1.key.name, $1.key.value) }) {
            guard !active.isEmpty else { continue }
            if writer.bytes.count > 1 { writer.appendRaw(",") }
            writer.appendRaw("[")
            writer.appendString(dimension.name)
            writer.appendRaw(",")
            writer.appendString(dimension.value)
            writer.appendRaw(",[")
            var runStart = 0
            for index in active.indices where index + 1 == active.count || active[index + 1] != active[index] + 1 {
                if runStart > 0 { writer.appendRaw(",") }
                writer.appendInteger(Int(active[runStart]))
                writer.appendRaw(",")
                writer.appendInteger(index - runStart + 1)
                runStart = index + 1
            }
            writer.appendRaw("]]")
        }
        writer.appendRaw("]")
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Records that the user was active with `dimension` on `day`; nil when that day was already recorded,
    /// otherwise the recorded days next to it: the last before it and the first after it (each nil when none).
    public mutating func insert(_ day: Int64, for dimension: UserDimension) -> (previous: Int64?, next: Int64?)? {
        // In place: taking the days out of the dictionary and putting them back copied them on every insert.
        Self.insert(day, into: &days[dimension, default: []])
    }

    private static func insert(_ day: Int64, into active: inout [Int64]) -> (previous: Int64?, next: Int64?)? {
        let index = firstIndex(notBefore: day, in: active)
        if index < active.count, active[index] == day { return nil }
        let neighbours = (previous: index > 0 ? active[index - 1] : nil, next: index < active.count ? active[index] : nil)
        active.insert(day, at: index)
        return neighbours
    }

    /// Whether the user was active with `dimension` on a day of `range` (days since 1970-01-01), as the
    /// history read it (a dimension left unread is never active).
    public func wasActive(_ dimension: UserDimension, onAnyDayIn range: Range<Int64>) -> Bool {
        guard let active = days[dimension] else { return false }
        let index = Self.firstIndex(notBefore: range.lowerBound, in: active)
        return index < active.count && active[index] < range.upperBound
    }

    /// The index of the first of the ascending `days` that is `day` or later (`days.count` when none is).
    private static func firstIndex(notBefore day: Int64, in days: [Int64]) -> Int {
        var low = 0, high = days.count
        while low < high {
            let middle = (low + high) / 2
            if days[middle] < day { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// A stored user history that cannot be read: a bug or a hand-edited row, never bad input.
public struct UserHistoryError: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "unreadable user history: \(reason)" }
}
