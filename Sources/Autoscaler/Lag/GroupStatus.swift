/// How a consumer group (or one of its partitions) is doing, after Burrow's evaluation rules.
public enum GroupStatus: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Caught up, or catching up.
    case ok
    /// Records wait on every read of the window and the lag only grew: the group is too slow.
    case lagging
    /// The committed offset went back (a reset or a replay) and has not yet come back to where it was.
    case rewound
    /// Records wait, members are assigned, and the committed offset has not moved over the window.
    case stalled
    /// The group has no member.
    case stopped

    /// Worse statuses compare greater; a group takes the worst of its partitions.
    public static func < (lhs: GroupStatus, rhs: GroupStatus) -> Bool {
        lhs.severity < rhs.severity
    }

    private var severity: Int {
        switch self {
        case .ok: 0
        case .lagging: 1
        case .rewound: 2
        case .stalled: 3
        case .stopped: 4
        }
    }
}
