public import EventModel

/// A user as the distinct-user counters and `user_histories` know them: ids are unique within a source
/// only, and compared as PostgreSQL compares them (byte for byte).
public struct UserKey: Hashable, Sendable {
    public var source: String
    public var userId: BytewiseString

    public init(source: String, userId: BytewiseString) {
        self.source = source
        self.userId = userId
    }
}
