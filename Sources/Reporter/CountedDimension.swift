/// A dimension of the distinct-user counters (``UserDimension``'s names) that a report counts users by.
enum CountedDimension: String, Sendable, CaseIterable {
    case users
    case stage
    case country
    case device
    case city
    case age
    case gender
    case followers

    /// The raw events' value of the dimension as the collector derives it (``UserDimension/all(of:)``), fixed
    /// SQL; nil for `users`, which every event has (value '').
    var eventColumn: String? {
        switch self {
        case .users: nil
        case .stage: "funnel_stage"
        case .country, .device, .city, .gender: rawValue
        case .age: "age_bucket(age)"
        case .followers: "follower_bucket(followers)"
        }
    }
}
