/// Why a request body as a whole cannot be read as events (answered 400, or 413 for too many).
public struct EventRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem, which decides the status code.
    public enum Reason: Sendable, Hashable {
        /// The body is not JSON at all.
        case malformedJSON
        /// JSON, but not the top-level shape of the route.
        case unexpectedShape
        /// More events than the configured limit.
        case tooManyEvents
        /// More JSON values than one per 4 bytes of body: a shape no events have, which would cost the
        /// parse far more memory than the body.
        case tooManyValues
    }

    /// What kind of problem.
    public let reason: Reason
    /// What to tell the client, e.g. `events must be an array`.
    public let message: String

    /// An error of `reason`, told as `message`.
    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { message }
}
