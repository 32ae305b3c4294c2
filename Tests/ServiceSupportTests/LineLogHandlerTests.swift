import Foundation
import Logging
import ServiceSupport
import Testing

@Suite struct LineLogHandlerTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    struct Broken: Error, CustomStringConvertible {
        var description: String { "disk full" }
    }

    @Test func eachLineIsOneJSONObjectWithTheMetadata() throws {
        let lines = Lines()
        var logger = Logger(label: "gateway") { label in LineLogHandler(label: label, format: .json) { lines.append($0) } }
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

    @Test func textLinesCarryTheMetadataSetAfterCreationSortedByKey() throws {
        let lines = Lines()
        var logger = Logger(label: "gateway") { label in LineLogHandler(label: label, format: .text) { lines.append($0) } }
        logger[metadataKey: "correlation_id"] = "abc-123"
        logger.info("events accepted", metadata: ["accepted": "3"])
        logger[metadataKey: "correlation_id"] = "def-456"
        logger.debug("below the level: not written")
        logger.notice("refused")
        logger.error("not stored", error: Broken())
        let written = lines.all
        try #require(written.count == 3)
        // `2026-12-06T22:57:56+0000 info gateway: accepted=3 correlation_id=abc-123 [ServiceSupportTests] events accepted`
        let pattern = #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4} (.*)\n$/#
        #expect(try pattern.wholeMatch(in: written[0])?.1 == "info gateway: accepted=3 correlation_id=abc-123 [ServiceSupportTests] events accepted")
        #expect(try pattern.wholeMatch(in: written[1])?.1 == "notice gateway: correlation_id=def-456 [ServiceSupportTests] refused")
        // An error given with the event becomes metadata, as swift-log's StreamLogHandler writes it.
        #expect(try pattern.wholeMatch(in: written[2])?.1 == "error gateway: correlation_id=def-456 error.message=disk full "
                + "error.type=ServiceSupportTests.LineLogHandlerTests.Broken [ServiceSupportTests] not stored")
    }
}
