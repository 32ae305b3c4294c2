import EventModel
import Testing

@Suite struct ProductEventValidationTests {
    static let event = TestEvents.product
    static let uuidRule = "event_id must be a UUID (8-4-4-4-12 hexadecimal digits)"
    static let amountRule = "properties.amount must be a non-negative decimal string or number"

    private func error(_ path: String, _ value: String?) -> String? {
        TestEvents.error(TestEvents.editing(Self.event, path, to: value), format: .product)
    }

    private func record(_ path: String, _ value: String?) throws -> EventRecord {
        try TestEvents.validate(TestEvents.editing(Self.event, path, to: value), format: .product)
    }

    @Test func acceptsTheContractsExample() throws {
        let record = try TestEvents.validate(Self.event, format: .product)
        #expect(record.source == .app)
        #expect(record.eventId == "123e4567-e89b-12d3-a456-426614174000")
        #expect(record.eventType == "page_view")
        #expect(record.funnelStage == nil)
        #expect(record.occurredAt == 1_736_942_400_000_000)
        #expect(record.userId == "user_123")
        #expect(record.country == "UA")
        #expect(record.device == "mobile")
        #expect(record.amount == nil)
        #expect(record.city == nil)
        #expect(record.age == nil)
    }

    @Test func lowercasesTheEventId() throws {
        #expect(try record("event_id", #""123E4567-E89B-12D3-A456-426614174ABC""#).eventId == "123e4567-e89b-12d3-a456-426614174abc")
    }

    @Test(arguments: [nil, "null", "{}", #"{"nested":{"deep":[1,{"x":null}]},"country":null}"#])
    func acceptsOptionalProperties(_ properties: String?) throws {
        let record = try record("properties", properties)
        #expect(record.country == nil)
        #expect(record.device == nil)
        #expect(record.amount == nil)
    }

    @Test(arguments: [
        (#""19.99""#, "19.99"), (#""0""#, "0"), ("19.99", "19.99"), ("20", "20"), ("0", "0"), ("1.5e3", "1500"),
        ("15E-1", "1.5"), ("1e-3", "0.001"), ("1.50e1", "15.0"), ("0e5", "0"),
    ])
    func readsAmounts(json: String, amount: String) throws {
        #expect(try record("properties.amount", json).amount == amount)
    }

    @Test func nullAmountIsNoRevenue() throws {
        #expect(try record("properties.amount", "null").amount == nil)
    }

    @Test(arguments: [
        BrokenRule(event, "event_id", nil, "event_id is required"),
        BrokenRule(event, "event_id", #""not-a-uuid""#, uuidRule),
        BrokenRule(event, "event_id", #""123e4567e89b12d3a456426614174000""#, uuidRule),
        BrokenRule(event, "event_id", #""{123e4567-e89b-12d3-a456-426614174000}""#, uuidRule),
        BrokenRule(event, "event_id", #""123e4567-e89b-12d3-a456-42661417400g""#, uuidRule),
        BrokenRule(event, "event_id", #""123e4567-e89b-12d3-a4567-42661417400""#, uuidRule),
        BrokenRule(event, "event_id", "123", uuidRule),
        BrokenRule(event, "occurred_at", nil, "occurred_at is required"),
        BrokenRule(event, "occurred_at", #""2025-01-15""#, "occurred_at must be an ISO-8601 date-time with offset or Z"),
        BrokenRule(event, "user_id", nil, "user_id is required"),
        BrokenRule(event, "user_id", #""""#, "user_id must be a non-empty string"),
        BrokenRule(event, "user_id", "123", "user_id must be a non-empty string"),
        BrokenRule(event, "event_type", nil, "event_type is required"),
        BrokenRule(event, "event_type", #""""#, "event_type must be a non-empty string"),
        BrokenRule(event, "properties", "[]", "properties must be an object"),
        BrokenRule(event, "properties", #""x""#, "properties must be an object"),
        BrokenRule(event, "properties.amount", #""-1""#, amountRule),
        BrokenRule(event, "properties.amount", "-1", amountRule),
        BrokenRule(event, "properties.amount", "1e400", amountRule),
        BrokenRule(event, "properties.amount", #""abc""#, amountRule),
        BrokenRule(event, "properties.amount", "true", amountRule),
        BrokenRule(event, "properties.amount", "{}", amountRule),
        BrokenRule(event, "properties.country", "5", "properties.country must be a string or null"),
        BrokenRule(event, "properties.device", "[]", "properties.device must be a string or null"),
    ])
    func reportsTheBrokenRule(_ rule: BrokenRule) {
        #expect(error(rule.path, rule.value) == rule.message)
    }

    @Test func ignoresUnknownFields() throws {
        _ = try record("source", #""facebook""#)
        _ = try record("eventId", "42")
    }
}
