import HTTPTypes
public import NIOCore
public import NIOHTTPTypes
import EventModel

/// Answers `408 Request Timeout` and closes the connection when a request's body has not fully arrived
/// within `timeout` of its head. A handler of Hummingbird's HTTP/1 channel.
///
/// The deadline is a timer on the connection's event loop, set at the head and cancelled at the end:
/// cheaper per request than a timer task beside every body read in the route, which single-event
/// webhooks would pay on every request. When it fires, the route reading the body gets
/// ``DeadlinePassed`` (so it can count the request as the 408 it was); its own answer is dropped.
public final class RequestBodyDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    /// What reading the body throws once the 408 went out; `message` is what the 408 said.
    public struct DeadlinePassed: Error {
        public let message: String
    }

    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private let message: String
    private var deadline: Scheduled<Void>?
    /// Set once the 408 went out: the route's own answer for that request is dropped.
    private var timedOut = false

    /// - Parameter timeout: how long a body may take to arrive, from its request's head.
    public init(timeout: TimeAmount) {
        self.timeout = timeout
        self.message = "the request body did not arrive within \(Duration.nanoseconds(timeout.nanoseconds))"
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !timedOut else { return }
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                self.answerTimeout(context: context)
            }
        case .end:
            cancelDeadline()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !timedOut else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        // Once the route answers (say 413 before reading the body), the request is no longer waiting
        // for its body: a 408 now would be a second answer.
        if case .head(let head) = unwrapOutboundIn(data), head.status.kind != .informational {
            cancelDeadline()
        }
        context.write(data, promise: promise)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        context.fireChannelInactive()
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }

    private func answerTimeout(context: ChannelHandlerContext) {
        deadline = nil
        timedOut = true
        // First, so the route's body stream ends with this error, not as if the body were complete.
        context.fireErrorCaught(DeadlinePassed(message: message))
        let body = JSONWriter.errorBody(message)
        var head = HTTPResponse(status: .requestTimeout)
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.contentLength] = String(body.count)
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
