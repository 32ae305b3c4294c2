import EventModel
import Importer
import Testing

@Suite struct ProductEventCSVTests {
    private static let id = "123e4567-e89b-12d3-a456-426614174000"

    private func header(_ names: String) -> CSVRow { CSVRow(line: 1, fields: names.components(separatedBy: ",")) }

    /// The row as the event the gateway's validator makes of it.
    private func event(_ mapping: ProductEventCSV, _ fields: [String]) throws -> Result<EventRecord, EventRejection> {
        var writer = JSONWriter()
        writer.appendRaw(#"{"events":["#)
        if let reason = mapping.appendEvent(CSVRow(line: 2, fields: fields), to: &writer) {
            Issue.record("row refused: \(reason)")
        }
        writer.appendRaw("]}")
        return try EventRequest.parse(writer.bytes, shape: .productEvents, maximumEvents: 1).items[0]
    }

    @Test func aHeaderWithoutTheRequiredColumnsIsRefusedByName() {
        let missing = #expect(throws: CSVImportError.self) { try ProductEventCSV(header: header("event_id,user_id")) }
        #expect(missing?.description == "bad CSV header: missing columns occurred_at, event_type; required: event_id, occurred_at, user_id, event_type")
        let repeated = #expect(throws: CSVImportError.self) {
            try ProductEventCSV(header: header("event_id,occurred_at,user_id,event_type,country,country"))
        }
        #expect(repeated?.description == "bad CSV header: column 'country' appears twice")
    }

    @Test func extraColumnsBecomeStringPropertiesAndTheirOrderIsFree() throws {
        let mapping = try ProductEventCSV(header: header("country,user_id,event_type,amount,occurred_at,event_id,device"))
        let record = try event(mapping, ["UA", "user_1", "purchase", "19.90", "2025-12-01T10:00:00Z", Self.id, ""]).get()
        #expect(record.source == .app)
        #expect(record.eventId == Self.id)
        #expect(record.userId == "user_1")
        #expect(record.country == "UA")
        #expect(record.amount == "19.90")
        #expect(record.device == nil, "an empty cell is no property")
    }

    @Test func aPropertiesColumnMergesWithTheOtherColumns() throws {
        let mapping = try ProductEventCSV(header: header("event_id,occurred_at,user_id,event_type,properties,country"))
        let record = try event(mapping, [Self.id, "2025-12-01T10:00:00Z", "u", "page_view", #" {"device":"mobile","page":"/"} "#, "DE"]).get()
        #expect(record.country == "DE")
        #expect(record.device == "mobile")
        let empty = try event(mapping, [Self.id, "2025-12-01T10:00:00Z", "u", "page_view", "{}", ""]).get()
        #expect(empty.country == nil)
    }

    @Test func rowsThatCannotBeEventsSayWhy() throws {
        let mapping = try ProductEventCSV(header: header("event_id,occurred_at,user_id,event_type,properties,country"))
        var writer = JSONWriter()
        #expect(mapping.appendEvent(CSVRow(line: 3, fields: ["a", "b"]), to: &writer) == "expected 6 fields as in the header, found 2")
        #expect(mapping.appendEvent(CSVRow(line: 3, fields: [Self.id, "t", "u", "e", "[1]", ""]), to: &writer) == "properties is not a JSON object")
        #expect(mapping.appendEvent(CSVRow(line: 3, fields: [Self.id, "t", "u", "e", "{oops", ""]), to: &writer) == "properties is not a JSON object")
        #expect(mapping.appendEvent(CSVRow(line: 3, fields: [Self.id, "t", "u", "e", #"{"country":"UA"}"#, "DE"]), to: &writer)
            == "column 'country' repeats a key of properties")
        #expect(writer.bytes.isEmpty, "a refused row writes nothing")
    }

    @Test func invalidValuesAreJudgedByTheGatewaysRules() throws {
        let mapping = try ProductEventCSV(header: header("event_id,occurred_at,user_id,event_type"))
        guard case .failure(let rejection) = try event(mapping, ["not-a-uuid", "2025-12-01T10:00:00Z", "u", "page_view"]) else {
            Issue.record("a bad event id was accepted")
            return
        }
        #expect(rejection.error.field == "event_id")
        guard case .failure(let date) = try event(mapping, [Self.id, "yesterday", "u", "page_view"]) else {
            Issue.record("a bad date was accepted")
            return
        }
        #expect(date.error.field == "occurred_at")
    }

    @Test func unstorableRowsAreRefusedLikeUnstorableEvents() throws {
        let mapping = try ProductEventCSV(header: header("event_id,occurred_at,user_id,event_type,amount"))
        let rows: [([String], String)] = [
            ([Self.id, "0000-01-01T00:30:00+01:00", "u", "page_view", ""], "occurred_at"),
            ([Self.id, "1969-12-31T23:59:59Z", "u", "page_view", ""], "occurred_at"),
            ([Self.id, "2025-12-01T10:00:00Z", "u\u{0}v", "page_view", ""], "user_id"),
            ([Self.id, "2025-12-01T10:00:00Z", "u", "page_view", String(repeating: "9", count: 39)], "properties.amount"),
        ]
        for (fields, field) in rows {
            guard case .failure(let rejection) = try event(mapping, fields) else {
                Issue.record("an unstorable row was accepted: \(fields)")
                continue
            }
            #expect(rejection.error.field == field)
        }
    }
}
