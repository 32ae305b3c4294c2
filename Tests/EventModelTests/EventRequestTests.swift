import EventModel
import Testing

@Suite struct EventRequestTests {
    private func parse(
        _ body: String,
        _ shape: EventRequestShape,
        maximumEvents: Int = 50_000
    ) throws(EventRequestError) -> EventRequest {
        try EventRequest.parse(Array(body.utf8), shape: shape, maximumEvents: maximumEvents)
    }

    private func shapeError(_ body: String, _ shape: EventRequestShape, maximumEvents: Int = 50_000) -> EventRequestError? {
        do {
            _ = try parse(body, shape, maximumEvents: maximumEvents)
            return nil
        } catch {
            return error
        }
    }

    private func text(_ request: EventRequest, _ record: EventRecord) -> String {
        String(decoding: request.bytes(of: record), as: UTF8.self)
    }

    @Test func webhookAcceptsOneEventObject() throws {
        let body = "  \(TestEvents.facebookTop)\n"
        let request = try parse(body, .webhook)
        #expect(request.items.count == 1)
        let record = try #require(request.records.first)
        #expect(record.eventId == "fb-1")
        #expect(text(request, record) == TestEvents.facebookTop)
        #expect(record.byteRange == 2..<(2 + TestEvents.facebookTop.utf8.count))
    }

    @Test func webhookAcceptsAnArrayAndReportsEachInvalidItem() throws {
        let invalidAge = TestEvents.editing(TestEvents.tiktokTop, "data.user.followers", to: "-1")
        let body = "[\(TestEvents.facebookTop), 42, \(invalidAge),\n \(TestEvents.tiktokBottom), {\"eventId\": 7}]"
        let request = try parse(body, .webhook)
        #expect(request.items.count == 5)
        #expect(request.records.map(\.eventId) == ["fb-1", "tt-2"])
        #expect(request.records.map { text(request, $0) } == [TestEvents.facebookTop, TestEvents.tiktokBottom])
        let rejections = request.rejections
        #expect(rejections.map(\.index) == [1, 2, 4])
        #expect(rejections.map(\.eventId) == [nil, "tt-1", nil])
        #expect(rejections.map(\.error.message) == [
            "event must be an object", "data.user.followers must be an integer >= 0",
            "eventId must be a non-empty string of at most 128 characters",
        ])
    }

    @Test func rejectionsCarryOnlyReadableEventIds() throws {
        let longId = String(repeating: "x", count: 129)
        let body = #"[{"eventId":"\#(longId)"}, {"eventId":"no-source"}, {"eventId":"\u0041"}]"#
        let request = try parse(body, .webhook)
        #expect(request.rejections.map(\.eventId) == [nil, "no-source", "A"])
    }

    @Test(arguments: ["42", #""events""#, "null", "true"])
    func webhookRejectsOtherTopLevelValues(_ body: String) {
        #expect(shapeError(body, .webhook) == EventRequestError(.unexpectedShape, "body must be a JSON object or array of events"))
    }

    @Test(arguments: [EventRequestShape.webhook, .bulk, .productEvents])
    func rejectsBodiesThatAreNotJSON(_ shape: EventRequestShape) {
        let error = shapeError("{\"events\": [1,]}", shape)
        #expect(error?.reason == .malformedJSON)
        #expect(error?.message == "body is not valid JSON: unexpected character ']' at byte 14")
        #expect(shapeError("", shape)?.message == "body is not valid JSON: empty input at byte 0")
    }

    @Test(arguments: [EventRequestShape.bulk, .productEvents])
    func bulkBodiesNeedAnEventsArray(_ shape: EventRequestShape) {
        #expect(shapeError("[]", shape) == EventRequestError(.unexpectedShape, "body must be a JSON object with an events array"))
        #expect(shapeError(#""x""#, shape)?.message == "body must be a JSON object with an events array")
        #expect(shapeError(#"{"evts":[]}"#, shape) == EventRequestError(.unexpectedShape, "events is required"))
        #expect(shapeError(#"{"events":{}}"#, shape) == EventRequestError(.unexpectedShape, "events must be an array"))
        #expect(shapeError(#"{"events":null}"#, shape)?.message == "events must be an array")
    }

    @Test func bulkReadsSocialEvents() throws {
        let body = #"{"meta":{"batch":1},"events":[\#(TestEvents.tiktokTop),\#(TestEvents.facebookBottom)]}"#
        let request = try parse(body, .bulk)
        #expect(request.records.map(\.eventId) == ["tt-1", "fb-2"])
        #expect(request.records.map { text(request, $0) } == [TestEvents.tiktokTop, TestEvents.facebookBottom])
        #expect(request.rejections.isEmpty)
    }

    @Test func emptyBatchesAreNotShapeErrors() throws {
        #expect(try parse(#"{"events":[]}"#, .bulk).items.isEmpty)
        #expect(try parse("[]", .webhook).items.isEmpty)
    }

    @Test func productEventsAreReadAsSection12() throws {
        let invalid = TestEvents.editing(TestEvents.product, "user_id", to: #""""#)
        let body = #"{"events":[\#(TestEvents.product),\#(invalid),\#(TestEvents.facebookTop)]}"#
        let request = try parse(body, .productEvents)
        #expect(request.records.map(\.source) == [.app])
        #expect(request.records.map { text(request, $0) } == [TestEvents.product])
        #expect(request.rejections.map(\.index) == [1, 2])
        #expect(request.rejections.map(\.eventId) == ["123e4567-e89b-12d3-a456-426614174000", nil])
        #expect(request.rejections.map(\.error.message) == ["user_id must be a non-empty string", "event_id is required"])
    }

    @Test func limitsTheNumberOfEvents() throws {
        let body = #"{"events":[{},{},{}]}"#
        #expect(
            shapeError(body, .bulk, maximumEvents: 2)
                == EventRequestError(.tooManyEvents, "a request may carry at most 2 events, this one has more"))
        #expect(try parse(body, .bulk, maximumEvents: 3).items.count == 3)
        #expect(shapeError("[{},{}]", .webhook, maximumEvents: 1)?.reason == .tooManyEvents)
    }

    @Test func countsDuplicatesAndKeepsTheFirst() throws {
        let repeated = TestEvents.editing(TestEvents.facebookTop, "data.user.age", to: "99")
        let sameIdOtherSource = TestEvents.editing(TestEvents.tiktokTop, "eventId", to: #""fb-1""#)
        let invalidRepeat = TestEvents.editing(TestEvents.facebookTop, "data.user.age", to: "-1")
        let body = "[\(TestEvents.facebookTop),\(repeated),\(sameIdOtherSource),\(invalidRepeat),\(repeated)]"
        let request = try parse(body, .webhook)
        let deduplicated = request.deduplicated()
        #expect(deduplicated.duplicates == 2)
        #expect(deduplicated.records.map(\.source) == [.facebook, .tiktok])
        #expect(deduplicated.records.first?.age == 31)
        #expect(deduplicated.records.map { text(request, $0) } == [TestEvents.facebookTop, sameIdOtherSource])
        #expect(request.rejections.count == 1)
        #expect(deduplicated.records.count + deduplicated.duplicates == request.records.count)
    }

    @Test func productEventIdsAreComparedAsUUIDs() throws {
        let upper = TestEvents.editing(TestEvents.product, "event_id", to: #""123E4567-E89B-12D3-A456-426614174000""#)
        let request = try parse(#"{"events":[\#(TestEvents.product),\#(upper)]}"#, .productEvents)
        #expect(request.deduplicated().duplicates == 1)
    }

    @Test func deduplicatesAnySequenceOfRecords() {
        let record = EventRecord(
            source: .app, eventId: "a", eventType: "t", funnelStage: nil, occurredAt: 0, userId: "u", byteRange: 0..<1)
        var other = record
        other.eventId = "b"
        let deduplicated = DeduplicatedEvents([record, other, record, record])
        #expect(deduplicated.records == [record, other])
        #expect(deduplicated.duplicates == 2)
    }

    /// "café" with a precomposed é and "cafe" + U+0301 are equal as Swift strings (canonical equivalence)
    /// but distinct ids to PostgreSQL: the second was dropped as a duplicate of the first.
    @Test func idsAreComparedByteForByteAsTheDatabaseDoes() throws {
        let composed = TestEvents.editing(TestEvents.facebookTop, "eventId", to: #""caf\u00e9""#)
        let decomposed = TestEvents.editing(TestEvents.facebookTop, "eventId", to: #""cafe\u0301""#)
        let request = try parse("[\(composed),\(decomposed),\(composed)]", .webhook)
        let unique = request.deduplicated()
        #expect(unique.records.map { Array($0.eventId.utf8) } == [Array("caf\u{e9}".utf8), Array("cafe\u{301}".utf8)])
        #expect(unique.duplicates == 1)
    }

    /// The event limit was checked after the whole body was parsed: 64 MiB of `[0,0,0,…` cost ~850 MB and
    /// 2.5 s before its 413. It is checked while parsing now: what follows the 3rd element is never read
    /// (here it is not even JSON, and the answer is still "too many", not "not JSON").
    @Test func theEventLimitStopsTheParseAtTheFirstEventTooMany() {
        let tooMany = "[0,0,0," + String(repeating: "x", count: 1_000)
        #expect(shapeError(tooMany, .webhook, maximumEvents: 2)?.reason == .tooManyEvents)
        let bulk = #"{"events":[{},{},{},"# + String(repeating: "x", count: 1_000)
        #expect(shapeError(bulk, .bulk, maximumEvents: 2)?.reason == .tooManyEvents)
        #expect(shapeError("[0,0]", .webhook, maximumEvents: 2)?.reason == nil)
    }

    /// Deeper lists are not counted as events, but `[{"a":[0,0,0,…]}]` cost 16 bytes of tape per 2 bytes
    /// of body; more values than one per 4 bytes are refused while parsing (what follows is never read).
    @Test func valuesAreBoundedByTheBodySize() {
        let dense = #"[{"a":["# + Array(repeating: "0", count: 400).joined(separator: ",") + "]}]"
        #expect(shapeError(dense, .webhook)?.reason == .tooManyValues)
        #expect(shapeError(dense + String(repeating: "x", count: 10), .webhook)?.reason == .tooManyValues)
        #expect(shapeError("[\(TestEvents.facebookTop),\(TestEvents.tiktokTop),\(TestEvents.product)]", .webhook) == nil)
    }
}
