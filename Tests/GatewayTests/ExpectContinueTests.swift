import Foundation
import TestInfrastructure
import Testing

/// curl sends `Expect: 100-continue` for bodies over 1 KiB and waits up to a second for `100 Continue`
/// before it sends the body: the gateway answers it at once.
@Suite struct ExpectContinueTests {
    @Test func aRequestThatExpectsContinueGetsItBeforeItsBodyIsSent() async throws {
        try await withLiveGateway(configure: { _ in }) { port, _, _ in
            let body = Array(SampleEvents.bulk((0..<20).map { _ in SampleEvents.product() }).utf8)
            let connection = try RawHTTPConnection(port: port, readTimeoutSeconds: 5)
            try connection.write(Array("""
                POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                Content-Length: \(body.count)\r\nExpect: 100-continue\r\n\r\n
                """.utf8))
            let interim = await connection.readHead()
            #expect(interim.hasPrefix("HTTP/1.1 100 Continue"), "no 100 Continue before the body: \(interim)")
            try connection.write(body)
            let answer = await connection.readAnswer()
            #expect(answer.contains("HTTP/1.1 202"), "\(answer)")
        }
    }
}
