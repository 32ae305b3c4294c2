/// A `segment` filter, `field:value`: only what events carrying that value did (platform contract,
/// section 5). An event without the field is outside every value of it.
public struct Segment: Sendable, Hashable {
    /// The fields a segment may select on; each is a column of the daily aggregates.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case source
        case eventType = "event_type"
        case country
        case device

        /// The aggregate column holding the field; fixed SQL, never client text.
        var column: String { rawValue }
    }

    public var field: Field
    public var value: String

    public init(field: Field, value: String) {
        self.field = field
        self.value = value
    }
}
