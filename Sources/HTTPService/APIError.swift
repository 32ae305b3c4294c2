public import EventModel
public import Hummingbird

/// An error answer of the platform's HTTP services: a status, extra headers (`Retry-After`) and a
/// message rendered as `{ "error": "<message>" }` (platform contract, sections 2 and 5).
///
/// Thrown from a route or middleware, Hummingbird renders it; any other error becomes a logged 500.
public struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let headers: HTTPFields
    /// What the client is told; must not carry secrets or internals.
    public let message: String

    /// An error of `status` told as `message`, with `headers` added to the answer.
    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(
            status: status,
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.errorBody(message)))
        )
    }

    public var description: String { "\(status.code) \(message)" }
}

extension JSONWriter {
    /// `{"error":"<message>"}`: the body of every error answer of the platform's HTTP services.
    public static func errorBody(_ message: String) -> [UInt8] {
        var writer = JSONWriter(capacity: message.utf8.count + 16)
        writer.appendRaw(#"{"error":"#)
        writer.appendString(message)
        writer.appendRaw("}")
        return writer.bytes
    }
}
