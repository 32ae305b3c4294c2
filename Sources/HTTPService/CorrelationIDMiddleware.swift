import HTTPTypes
public import Hummingbird

/// Gives every request a correlation id: the client's `x-correlation-id` when it is usable, a new UUID
/// otherwise. The id goes into the context, into every log line (`correlation_id` metadata) and back
/// to the client in the answer's `x-correlation-id`, error answers included.
///
/// Add it first, so that the other middleware and every route see the id.
public struct CorrelationIDMiddleware<Context: CorrelationIDRequestContext>: RouterMiddleware {
    /// Longer client ids are replaced: the id lands in every log line and Kafka record.
    public static var maximumLength: Int { 128 }

    public init() {}

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let id = request.headers[.correlationID].flatMap(Self.usable) ?? CorrelationID.random()
        context.correlationID = id
        context.logger[metadataKey: "correlation_id"] = .string(id)
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            // Any other error is a bug: log it here, where the correlation id is known, and answer
            // without internals.
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            response = try APIError(.internalServerError, "internal error").response(from: request, context: context)
        }
        response.headers[.correlationID] = id
        return response
    }

    /// The client's id when it is 1 to ``maximumLength`` visible ASCII characters (nothing that could
    /// forge a log line or a header).
    private static func usable(_ id: String) -> String? {
        let utf8 = id.utf8
        guard !utf8.isEmpty, utf8.count <= maximumLength, utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return nil
        }
        return id
    }
}
