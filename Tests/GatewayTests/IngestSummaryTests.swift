import EventModel
import Foundation
@testable import Gateway
import HTTPService
import Testing

@Suite struct IngestSummaryTests {
    @Test func rendersTheContractShape() {
        let summary = IngestSummary(accepted: 3, duplicates: 1, rejections: [
            EventRejection(index: 1, eventId: "e-1", error: EventValidationError(field: "timestamp", message: "timestamp is required")),
            EventRejection(index: 4, eventId: nil, error: EventValidationError(field: "", message: "event must be an object")),
        ])
        #expect(String(decoding: summary.json, as: UTF8.self) == #"{"accepted":3,"rejected":2,"duplicates":1,"errors":[{"index":1,"eventId":"e-1","error":"timestamp is required"},{"index":4,"error":"event must be an object"}]}"#)
    }

    @Test func escapesStringsAsJSONRequires() throws {
        let nasty = "quote \" backslash \\ newline \n tab \t cr \r nul \u{0} bell \u{7} unit \u{1F} del \u{7F} é 😀 </script>"
        let summary = IngestSummary(accepted: 0, duplicates: 0, rejections: [
            EventRejection(index: 0, eventId: nasty, error: EventValidationError(field: "x", message: nasty)),
        ])
        let text = String(decoding: summary.json, as: UTF8.self)
        #expect(text.contains(#"quote \" backslash \\ newline \n tab \t cr \r nul \u0000 bell \u0007 unit \u001f del \#u{7F} é 😀 </script>"#))
        // And a standard parser reads back exactly what went in.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(summary.json)) as? [String: Any])
        let error = try #require((object["errors"] as? [[String: Any]])?.first)
        #expect(error["eventId"] as? String == nasty)
        #expect(error["error"] as? String == nasty)
    }

    @Test func listsAtMostAThousandErrors() throws {
        let rejections = (0..<2_500).map {
            EventRejection(index: $0, eventId: "e\($0)", error: EventValidationError(field: "eventId", message: "bad"))
        }
        let summary = IngestSummary(accepted: 7, duplicates: 0, rejections: rejections)
        #expect(summary.rejected == 2_500)
        #expect(summary.errors.count == 1_000)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(summary.json)) as? [String: Any])
        #expect((object["errors"] as? [Any])?.count == 1_000)
        #expect(object["rejected"] as? Int == 2_500)
    }

    @Test func errorBodyIsEscaped() {
        #expect(String(decoding: JSONWriter.errorBody(#"bad "x"\#n"#), as: UTF8.self) == #"{"error":"bad \"x\"\n"}"#)
    }
}
