/// What one ``BatchWriter/write(_:through:)`` did with its events.
public struct BatchWriteResult: Sendable, Hashable {
    /// Events stored for the first time (raw row, dedupe key, aggregates).
    public var inserted: Int
    /// Events whose (source, event id) was already stored, or that repeated an earlier event of the batch.
    public var duplicates: Int
    /// Events at offsets the group had already stored (read again after a rebalance or a crash), skipped
    /// without looking at their keys.
    public var alreadyStored: Int

    /// A result with the given counts (all zero by default).
    public init(inserted: Int = 0, duplicates: Int = 0, alreadyStored: Int = 0) {
        self.inserted = inserted
        self.duplicates = duplicates
        self.alreadyStored = alreadyStored
    }
}
