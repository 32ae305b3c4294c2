internal import Synchronization

/// The order in which the members of one collector instance leave their group on a graceful shutdown:
/// one at a time, each once the group has formed again without the members before it.
///
/// The local broker (Tansu) keeps a member that leaves while its group is forming as the group's leader.
/// No member syncs for that leader afterwards, so the group never forms again and the next instance's
/// members never get partitions. Members that leave together cause exactly that (the first leave starts
/// a new join, the second leaves in the middle of it: seen in half of the stops of a two-member instance).
/// Leaving one at a time, each after its new assignment, makes every leave one from a formed group. Kafka
/// brokers do not need it; it costs a group join per member on shutdown.
final class LeaveOrder: Sendable {
    private struct State {
        var departed = 0
        var lastLeaveStarted: ContinuousClock.Instant?
    }

    private let state = Mutex(State())

    /// Whether every member before `member` has left, and when the last of them began to leave (nil for
    /// the first member): a rejoin that begins later is the one its leave caused.
    func turn(of member: Int) -> (reached: Bool, previousLeaveStarted: ContinuousClock.Instant?) {
        state.withLock { ($0.departed >= member, $0.lastLeaveStarted) }
    }

    /// Leaves the group with `leave` (closing the member's consumer) and records that one more member is gone.
    func leave(_ leave: () async -> Void) async {
        state.withLock { $0.lastLeaveStarted = .now }
        await leave()
        state.withLock { $0.departed += 1 }
    }
}
