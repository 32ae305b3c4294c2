import Foundation
import Logging
import ServiceSupport
import Testing

@Suite struct JSONLogHandlerTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test func eachLineIsOneJSONObjectWithTheMetadata() throws {
        let lines = Lines()
        var logger = Logger(label: "gateway") { label in JSONLogHandler(label: label) { lines.append($0) } }
        logger[metadataKey: "correlation_id"] = "abc-123"
        logger.warning("a \"quoted\"\nmessage\u{1}", metadata: ["route": "/events"])
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix("}\n") && line.dropLast().contains("\n") == false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["label"] as? String == "gateway")
        #expect(object["message"] as? String == "a \"quoted\"\nmessage\u{1}")
        #expect(object["metadata"] as? [String: String] == ["correlation_id": "abc-123", "route": "/events"])
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
    }
}
