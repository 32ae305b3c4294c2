/// Why an event breaks the contract, naming the field and the rule:
/// `data.engagement.percentageWatched must be between 0 and 100`.
///
/// Validation stops at the first broken rule, checking fields in the contract's order (envelope,
/// then user, then engagement), so the same event always reports the same error.
public struct EventValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The dotted path of the offending field (`data.user.age`); empty when the event itself is wrong.
    public let field: String
    /// The whole sentence, field included.
    public let message: String

    /// An error about `field`, told as `message`.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }

    /// `<field> <rule>`, e.g. `data.user.age must be an integer >= 0`.
    static func rule(_ field: String, _ rule: String) -> EventValidationError {
        EventValidationError(field: field, message: "\(field) \(rule)")
    }

    static func missing(_ field: String) -> EventValidationError {
        EventValidationError(field: field, message: "\(field) is required")
    }
}
