import EventModel
import HTTPService
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

/// The body deadline on an embedded channel, whose clock only moves when the test says so.
@Suite struct RequestBodyDeadlineHandlerTests {
    private static let head = HTTPRequestPart.head(HTTPRequest(method: .post, scheme: nil, authority: "localhost", path: "/events"))

    private func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RequestBodyDeadlineHandler(timeout: .milliseconds(300)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    @Test func aBodyThatDoesNotArriveInTimeGets408AndTheConnectionCloses() throws {
        let channel = try channel()
        try channel.writeInbound(Self.head)
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "{\"events\":[")))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(299))
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)

        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        guard case .head(let response) = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no response head")
            return
        }
        #expect(response.status == .requestTimeout)
        #expect(response.headerFields[.connection] == "close")
        guard case .body(let body) = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no response body")
            return
        }
        #expect(String(buffer: body) == #"{"error":"the request body did not arrive within 0.3 seconds"}"#)
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == .end(nil))
        #expect(!channel.isActive)
        #expect(throws: RequestBodyDeadlineHandler.DeadlinePassed.self) { try channel.throwIfErrorCaught() }
    }

    @Test func aBodyThatArrivesInTimeIsPassedOnAndNeverTimedOut() throws {
        let channel = try channel()
        try channel.writeInbound(Self.head)
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "[]")))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))

        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == Self.head)
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == .body(ByteBuffer(string: "[]")))
        #expect(try channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test func aRequestAnsweredBeforeItsBodyArrivedGetsNoSecondAnswer() throws {
        let channel = try channel()
        try channel.writeInbound(Self.head)
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .contentTooLarge)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))

        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == .head(HTTPResponse(status: .contentTooLarge)))
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == .end(nil))
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test func eachRequestOnAConnectionHasItsOwnDeadline() throws {
        let channel = try channel()
        try channel.writeInbound(Self.head)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        try channel.writeInbound(Self.head)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil, "the second request's deadline started at its own head")

        channel.embeddedEventLoop.advanceTime(by: .milliseconds(100))
        guard case .head(let response) = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no 408 for the second request")
            return
        }
        #expect(response.status == .requestTimeout)
    }
}
