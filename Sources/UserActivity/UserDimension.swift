public import EventModel

/// A value an event counts its user under in the distinct-user counters: the user themselves (`users`,
/// value ''), or one value of a segment or demographic field the event carries (`event_type`, `stage`,
/// `country`, `device`, `city`, `age` bucket, `gender`, `followers` bucket). A field the event lacks
/// gives no dimension (contract section 5: such an event is outside every value of that segment).
/// Values are compared byte for byte, as the counters' keys in PostgreSQL are (``BytewiseString``).
public struct UserDimension: Hashable, Sendable {
    /// `users`, or the field: `event_type`, `stage`, `country`, `device`, `city`, `age`, `gender`, `followers`.
    public var name: String
    /// The field's value (its bucket for `age` and `followers`); '' for `users`.
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.name == rhs.name && BytewiseString(lhs.value) == BytewiseString(rhs.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(BytewiseString(value))
    }

    /// The user whatever their events carry.
    public static let user = UserDimension(name: "users", value: "")

    /// Every dimension `event` counts its user under, ``user`` first.
    public static func all(of event: EventRecord) -> [UserDimension] {
        var dimensions = [user, UserDimension(name: "event_type", value: event.eventType)]
        func add(_ name: String, _ value: String?) {
            if let value { dimensions.append(UserDimension(name: name, value: value)) }
        }
        add("stage", event.funnelStage?.rawValue)
        add("country", event.country)
        add("device", event.device)
        add("city", event.city)
        add("age", event.age.map { AgeBucket(age: $0).rawValue })
        add("gender", event.gender)
        add("followers", event.followers.map { FollowerBucket(followers: $0).rawValue })
        return dimensions
    }
}
