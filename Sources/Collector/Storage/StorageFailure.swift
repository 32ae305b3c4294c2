public import Postgres

/// What a failed write means for the batch: retry it as it is, or look for an event that cannot be stored.
public enum StorageFailure: Sendable, Hashable {
    /// The database is unreachable, restarting, overloaded, or the transaction lost a race (deadlock,
    /// serialization): the same batch will succeed later.
    case transient
    /// An insert found no partition for its day (dropped by retention meanwhile): transient too, once the
    /// partitions are checked again.
    case missingPartition
    /// The server's lock table is full (SQLSTATE 53200, "out of shared memory"): an insert locks every daily
    /// partition it writes to, so a batch spanning thousands of days cannot be stored whole however often
    /// it is retried. It is stored in parts; a single event meeting it waits for other sessions' locks.
    case lockTableFull
    /// The server rejected the data itself (SQLSTATE classes 22 and 23): some event of the batch cannot be
    /// stored, and retrying the whole batch would fail forever.
    case rejectedData

    public init(_ error: PostgresError) {
        guard let state = error.sqlState else {
            self = .transient
            return
        }
        if state == "53200" {
            self = .lockTableFull
        } else if state == "23514" {
            // check_violation: the tables have no CHECK constraints, so it is "no partition of relation".
            self = .missingPartition
        } else if state.hasPrefix("22") || state.hasPrefix("23") {
            self = .rejectedData
        } else {
            // Connection loss (08), shutdown (57P), resources (53), deadlock and serialization (40), and also
            // schema problems (42): retrying with backoff waits for an operator rather than dead-lettering
            // every event.
            self = .transient
        }
    }
}
