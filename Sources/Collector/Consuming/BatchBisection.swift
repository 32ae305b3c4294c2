/// Which parts of a batch to store after PostgreSQL rejected it whole: halves, and halves of the halves
/// that are rejected too, until the events it refuses stand alone. k refused events in a batch of n cost
/// about 2·k·log2(n) transactions, where storing one event per transaction cost n (throughput fell ~100×).
///
/// Parts come in batch order, and a part is only split after it was tried, so the offsets each stored part
/// records only grow: nothing of a later part is ever below an offset already stored.
struct BatchBisection {
    /// Parts still to try, the next one last.
    private var parts: [Range<Int>]

    /// The bisection of a batch of `count` events that was rejected as a whole.
    init(rejectedBatchOf count: Int) {
        parts = []
        split(0..<count)
    }

    /// The next part to store, or nil when every part is stored or refused.
    mutating func next() -> Range<Int>? {
        parts.popLast()
    }

    /// Tells that `part` was rejected: a part of several events is tried again as two halves; returns true
    /// when `part` is one event, which is refused for good.
    mutating func rejected(_ part: Range<Int>) -> Bool {
        guard part.count > 1 else { return true }
        split(part)
        return false
    }

    private mutating func split(_ part: Range<Int>) {
        let middle = part.lowerBound + part.count / 2
        if middle < part.upperBound { parts.append(middle..<part.upperBound) }
        if part.lowerBound < middle { parts.append(part.lowerBound..<middle) }
    }
}
