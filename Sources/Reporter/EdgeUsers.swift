import EventModel
import UserActivity

/// The users a range's ragged edges add to, or take from, the distinct-user counters of its days, so that a
/// distinct-user report over any range is an exact union (README, Reports).
///
/// The counters count a user once per (source, dimension value) over whole UTC days. A range with ragged
/// edges is answered one of two ways (``ReportRange/edgeUsersFromComplement``):
/// - **edges added**: the counters of the whole days, plus each (user, value) seen on an edge and never on a
///   whole day (``Mode/added``; only events of the edges are read);
/// - **complement taken away**: the counters of every day the range touches, less each (user, value) seen on
///   the edge days only outside the range and never on a whole day (``Mode/takenAway``; the edge days'
///   events are read whole): fewer users to look up when the edges are most of their days.
///
/// Feed it the events read (``add(source:user:inside:dimensions:)``), look up the histories of the users of
/// ``candidates`` and hand each to ``addChanges(of:values:history:wholeDays:to:)``. Pure logic: the reporter
/// reads the rows, this type decides who counts.
struct EdgeUsers {
    enum Mode {
        case added
        case takenAway
    }

    /// A distinct-user count of a report: users of `source` with `dimension` in the range.
    struct CountKey: Hashable {
        var source: String
        var dimension: UserDimension
    }

    /// What one user was seen with, inside the range and (in ``Mode/takenAway``) outside it on its edge days.
    private struct Seen {
        var inside: [UserDimension] = []
        var outside: [UserDimension] = []

        mutating func add(_ dimensions: [UserDimension], inside isInside: Bool) {
            for dimension in dimensions {
                if isInside {
                    if !inside.contains(dimension) { inside.append(dimension) }
                } else if !outside.contains(dimension) {
                    outside.append(dimension)
                }
            }
        }
    }

    let mode: Mode
    private var seen: [UserKey: Seen] = [:]

    init(mode: Mode) {
        self.mode = mode
    }

    /// Adds an event of `user` with its `dimensions` (``UserDimension/user`` among them), `inside` the range
    /// or not. A user has a handful of values, so each is kept once in a short list.
    mutating func add(source: String, user: String, inside: Bool, dimensions: [UserDimension]) {
        seen[UserKey(source: source, userId: BytewiseString(user)), default: Seen()].add(dimensions, inside: inside)
    }

    /// Each user's values that change the counters unless a whole day already counts them: those seen inside
    /// the range (``Mode/added``), or those seen only outside it (``Mode/takenAway``).
    var candidates: [UserKey: [UserDimension]] {
        var candidates: [UserKey: [UserDimension]] = [:]
        for (user, entry) in seen {
            let values = switch mode {
            case .added: entry.inside
            case .takenAway: entry.outside.filter { !entry.inside.contains($0) }
            }
            if !values.isEmpty { candidates[user] = values }
        }
        return candidates
    }

    /// Adds to `counts` the change `user`'s candidate `values` (from ``candidates``) make: +1
    /// (``Mode/added``) or -1 (``Mode/takenAway``) for each value the user was not active with on a day of
    /// `wholeDays` (days since 1970-01-01) by their stored `history` (JSON). A user without a history (none is
    /// read when there are no whole days) has no whole day.
    ///
    /// - Throws: ``UserHistoryError`` for a stored history that cannot be read.
    func addChanges(
        of user: UserKey, values: [UserDimension], history: [UInt8]?, wholeDays: Range<Int64>, to counts: inout [CountKey: Int]
    ) throws(UserHistoryError) {
        let sign = mode == .added ? 1 : -1
        let stored = try history.map { json throws(UserHistoryError) in try UserHistory(json: json, reading: Set(values)) }
        for value in values where !(stored?.wasActive(value, onAnyDayIn: wholeDays) ?? false) {
            counts[CountKey(source: user.source, dimension: value), default: 0] += sign
        }
    }
}
