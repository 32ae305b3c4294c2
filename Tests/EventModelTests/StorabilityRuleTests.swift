import EventModel
import Foundation
import Testing

/// Contract section 1.3: what passes validation can be stored. Each input here was answered 202 and then
/// refused by PostgreSQL (and dead-lettered) before the rule existed.
@Suite struct StorabilityRuleTests {
    private func socialError(_ path: String, _ value: String?, _ event: String = TestEvents.facebookTop) -> String? {
        TestEvents.error(TestEvents.editing(event, path, to: value))
    }

    private func productError(_ path: String, _ value: String?) -> String? {
        TestEvents.error(TestEvents.editing(TestEvents.product, path, to: value), format: .product)
    }

    private static func isoText(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    @Test func ageMustFitThePostgresInteger() {
        #expect(socialError("data.user.age", "2147483647") == nil)
        #expect(socialError("data.user.age", "2147483648") == "data.user.age must be an integer from 0 to 2147483647")
    }

    @Test(arguments: [
        "0000-01-01T00:00:00Z", "0000-01-01T00:30:00+01:00", "0001-01-01T00:00:00Z", "1969-12-31T23:59:59.999Z",
    ])
    func timesBeforeTheWindowAreRefused(_ time: String) {
        let error = socialError("timestamp", "\"\(time)\"")
        #expect(error?.hasPrefix("timestamp must be from 1970-01-01T00:00:00Z to ") == true, "\(error ?? "accepted")")
        #expect(productError("occurred_at", "\"\(time)\"")?.hasPrefix("occurred_at must be from 1970-01-01T00:00:00Z") == true)
    }

    @Test func timesUpToADayAheadAreAcceptedAndLaterOnesRefused() {
        #expect(socialError("timestamp", "\"1970-01-01T00:00:00Z\"") == nil)
        #expect(socialError("timestamp", "\"\(Self.isoText(Date() + 23 * 3_600))\"") == nil)
        #expect(socialError("timestamp", "\"\(Self.isoText(Date() + 25 * 3_600))\"")?.hasPrefix("timestamp must be from") == true)
        #expect(socialError("timestamp", "\"9999-12-31T23:59:59Z\"") != nil)
    }

    @Test func theWindowIsASetting() throws {
        var rule = StorabilityRule()
        rule.earliestTime = try #require(StorabilityRule.microseconds(ofDateTime: "2025-01-01T00:00:00Z"))
        rule.maximumTimeAhead = nil
        let body = { (time: String) -> [UInt8] in
            let event = TestEvents.editing(TestEvents.product, "occurred_at", to: "\"" + time + "\"")
            return Array(("{\"events\":[" + event + "]}").utf8)
        }
        let old = try EventRequest.parse(body("2024-12-31T23:59:59Z"), shape: .productEvents, maximumEvents: 1, rule: rule)
        #expect(old.rejections.first?.error.message.hasPrefix("occurred_at must be from 2025-01-01T00:00:00Z to 9999-12-31T23:59:59Z") == true)
        let future = try EventRequest.parse(body("2999-01-01T00:00:00Z"), shape: .productEvents, maximumEvents: 1, rule: rule)
        #expect(future.rejections.isEmpty)
    }

    @Test func keptStringsHoldNoNULAndAtMost256Characters() {
        #expect(socialError("data.user.userId", #""a\u0000b""#) == "data.user.userId must not contain NUL characters")
        #expect(socialError("data.user.location.city", #""K\u0000""#) == "data.user.location.city must not contain NUL characters")
        #expect(socialError("eventId", #""e\u0000""#) == "eventId must not contain NUL characters")
        #expect(productError("event_type", #""\u0000""#) == "event_type must not contain NUL characters")
        #expect(productError("properties.country", #""U\u0000A""#) == "properties.country must not contain NUL characters")
        // A string the platform does not keep may hold one: the payload is stored as JSON text.
        #expect(socialError("data.user.name", #""O\u0000""#) == nil)

        let longest = String(repeating: "é", count: 256)
        #expect(socialError("data.user.userId", "\"\(longest)\"") == nil)
        #expect(socialError("data.user.userId", "\"\(longest)x\"") == "data.user.userId must be at most 256 characters")
        #expect(productError("user_id", "\"\(String(repeating: "u", count: 257))\"") == "user_id must be at most 256 characters")
    }

    @Test func amountsHaveAtMost38Digits() {
        let bottom = TestEvents.facebookBottom
        let digits38 = String(repeating: "9", count: 30) + "." + String(repeating: "9", count: 8)
        #expect(socialError("data.engagement.purchaseAmount", "\"\(digits38)\"", bottom) == nil)
        #expect(socialError("data.engagement.purchaseAmount", "\"\(digits38)9\"", bottom)
            == "data.engagement.purchaseAmount must have at most 38 digits")
        #expect(socialError("data.engagement.purchaseAmount", "\"\(String(repeating: "1", count: 131_073))\"", bottom) != nil)
        #expect(productError("properties.amount", "1e50") == "properties.amount must have at most 38 digits")
        #expect(productError("properties.amount", "\"1.5\"") == nil)
    }

    @Test func anEventLargerThanAKafkaRecordIsAnInvalidItemNotAFailedRequest() throws {
        let padding = String(repeating: "x", count: StorabilityRule.defaultMaximumEventBytes)
        let large = TestEvents.editing(TestEvents.facebookTop, "data.user.name", to: "\"\(padding)\"")
        let body = Array("[\(TestEvents.facebookTop),\(large)]".utf8)
        let request = try EventRequest.parse(body, shape: .webhook, maximumEvents: 10)
        #expect(request.records.count == 1)
        #expect(request.rejections.map(\.index) == [1])
        #expect(request.rejections.first?.error.message.hasSuffix("at most \(StorabilityRule.defaultMaximumEventBytes) fit a Kafka record") == true)
    }

    @Test func collectorsCheckWhatTheStoreKeepsNotTheGatewaysWindow() throws {
        let old = TestEvents.editing(TestEvents.product, "occurred_at", to: #""1900-01-01T00:00:00Z""#)
        #expect(try EventRecord(decoding: Array(old.utf8), format: .product).occurredAt < 0)
        let yearZero = TestEvents.editing(TestEvents.product, "occurred_at", to: #""0000-01-01T00:30:00+01:00""#)
        #expect(throws: EventDecodingError.self) { try EventRecord(decoding: Array(yearZero.utf8), format: .product) }
        let nul = TestEvents.editing(TestEvents.product, "user_id", to: #""a\u0000b""#)
        #expect(throws: EventDecodingError.self) { try EventRecord(decoding: Array(nul.utf8), format: .product) }
    }
}
