public import HTTPTypes
public import Hummingbird

/// A request context that carries the request's correlation id (platform contract, section 2), set by
/// ``CorrelationIDMiddleware`` before any route runs.
public protocol CorrelationIDRequestContext: RequestContext {
    /// The `x-correlation-id` of the request: the client's, or one generated for it.
    var correlationID: String { get set }
}

extension HTTPField.Name {
    /// `x-correlation-id`: ties a request's log lines, answer and Kafka records together.
    public static var correlationID: Self { Self("x-correlation-id")! }
}
