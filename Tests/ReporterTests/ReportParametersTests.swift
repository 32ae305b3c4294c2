import EventModel
import Foundation
import HTTPService
@testable import Reporter
import Testing

/// Parameter checking without a database: what is accepted, and that every mistake is a 400 naming
/// the parameter.
@Suite struct ReportParametersTests {
    func parse(_ route: ReportRoute, _ query: [(String, String)]) throws(APIError) -> ReportParameters {
        try ReportParameters(query: query.map { (name: $0.0, value: $0.1) }, route: route)
    }

    func instant(_ text: String) -> Date {
        try! Date(text, strategy: .iso8601)
    }

    @Test func aBareDateIsAWholeDayAndADateTimeAnExclusiveEnd() throws {
        let days = try parse(.events, [("from", "2025-01-01"), ("to", "2025-01-31")])
        #expect(days.from == instant("2025-01-01T00:00:00Z"))
        #expect(days.to == instant("2025-02-01T00:00:00Z"))
        let hours = try parse(.events, [("from", "2025-01-01T10:00:00Z"), ("to", "2025-01-01T12:00:00+01:00")])
        #expect(hours.from == instant("2025-01-01T10:00:00Z"))
        #expect(hours.to == instant("2025-01-01T11:00:00Z"))
    }

    /// Any range to the second is accepted, split into the whole buckets of the route's aggregate (hours for
    /// events and revenue, UTC days for the others) and the ragged edges around them.
    @Test func rangesSplitIntoWholeBucketsAndRaggedEdges() throws {
        let hours = try parse(.events, [("from", "2025-03-12T06:30:00Z"), ("to", "2025-03-12T18:00:00Z")]).range
        #expect(hours.whole == instant("2025-03-12T07:00:00Z")..<instant("2025-03-12T18:00:00Z"))
        #expect(hours.head == instant("2025-03-12T06:30:00Z")..<instant("2025-03-12T07:00:00Z"))
        #expect(hours.tail == nil)
        let days = try parse(.funnel, [("from", "2025-03-12T06:30:00Z"), ("to", "2025-03-15T00:00:01+01:00")]).range
        #expect(days.whole == instant("2025-03-13T00:00:00Z")..<instant("2025-03-14T00:00:00Z"))
        #expect(days.head == instant("2025-03-12T06:30:00Z")..<instant("2025-03-13T00:00:00Z"))
        #expect(days.tail == instant("2025-03-14T00:00:00Z")..<instant("2025-03-14T23:00:01Z"))
        #expect((days.wholeFirstDay, days.wholeEndDay) == ("2025-03-13", "2025-03-14"))

        let insideAnHour = try parse(.dau, [("from", "2025-03-12T06:05:00Z"), ("to", "2025-03-12T06:50:00Z")]).range
        #expect(insideAnHour.whole.isEmpty && insideAnHour.tail == nil)
        #expect(insideAnHour.head == instant("2025-03-12T06:05:00Z")..<instant("2025-03-12T06:50:00Z"))
        #expect(insideAnHour.wholeFirstDay == insideAnHour.wholeEndDay)
        let acrossMidnight = try parse(.demographics, [("from", "2025-03-12T23:30:00+01:00"), ("to", "2025-03-13T00:30:00Z")]).range
        #expect(acrossMidnight.whole.isEmpty)
        #expect(acrossMidnight.head == instant("2025-03-12T22:30:00Z")..<instant("2025-03-13T00:00:00Z"))
        #expect(acrossMidnight.tail == instant("2025-03-13T00:00:00Z")..<instant("2025-03-13T00:30:00Z"))

        let whole = try parse(.dau, [("from", "2025-03-12"), ("to", "2025-03-13")]).range
        #expect(whole.isWhole && whole.whole == instant("2025-03-12T00:00:00Z")..<instant("2025-03-14T00:00:00Z"))
        #expect(try parse(.events, [("from", "2025-03-12T06:00:00Z"), ("to", "2025-03-12T08:00:00+01:00")]).range.isWhole)
        #expect(try !parse(.dau, [("from", "2025-03-12T06:00:00Z"), ("to", "2025-03-13")]).range.isWhole)

        // Top events read hours unless the segment's field is one only the daily counts keep.
        let morning = [("from", "2025-03-12T06:30:00Z"), ("to", "2025-03-14T18:00:00Z")]
        for segment in [nil, "source:app", "event_type:like"] as [String?] {
            let top = try parse(.topEvents, morning + (segment.map { [("segment", $0)] } ?? [])).range
            #expect(top.whole == instant("2025-03-12T07:00:00Z")..<instant("2025-03-14T18:00:00Z"), "\(segment ?? "no segment")")
            #expect(top.head == instant("2025-03-12T06:30:00Z")..<instant("2025-03-12T07:00:00Z"))
        }
        for segment in ["country:UA", "properties.device:iOS"] {
            let top = try parse(.topEvents, morning + [("segment", segment)]).range
            #expect(top.whole == instant("2025-03-13T00:00:00Z")..<instant("2025-03-14T00:00:00Z"), "\(segment)")
        }
    }

    /// The distinct-user reports read an edge's users from its complement within its day when the edges
    /// are most of their days and there are whole days to look the users up in; the days touched bound
    /// the counters that way.
    @Test func edgesThatAreMostOfTheirDaysAreReadFromTheirComplement() throws {
        let large = try parse(.demographics, [("from", "2025-03-12T03:00:00Z"), ("to", "2025-03-20T21:30:00Z")]).range
        #expect(large.edgeUsersFromComplement)
        #expect(large.bounds == instant("2025-03-12T03:00:00Z")..<instant("2025-03-20T21:30:00Z"))
        #expect(large.headDay == instant("2025-03-12T00:00:00Z")..<instant("2025-03-13T00:00:00Z"))
        #expect(large.tailDay == instant("2025-03-20T00:00:00Z")..<instant("2025-03-21T00:00:00Z"))
        #expect((large.firstTouchedDay, large.endTouchedDay) == ("2025-03-12", "2025-03-21"))

        let small = try parse(.demographics, [("from", "2025-03-12T13:20:00Z"), ("to", "2025-03-16T09:40:30Z")]).range
        #expect(!small.edgeUsersFromComplement, "20 h of edges in two days")
        let headOnly = try parse(.funnel, [("from", "2025-03-12T07:13:00Z"), ("to", "2025-03-20")]).range
        #expect(headOnly.edgeUsersFromComplement && headOnly.tailDay == nil)
        #expect((headOnly.firstTouchedDay, headOnly.endTouchedDay) == ("2025-03-12", "2025-03-21"))
        // Without whole days nobody is looked up in a history: the edges' users are read directly.
        let insideADay = try parse(.demographics, [("from", "2025-03-12T00:10:00Z"), ("to", "2025-03-12T23:50:00Z")]).range
        #expect(!insideADay.edgeUsersFromComplement)
        #expect(insideADay.bounds == instant("2025-03-12T00:10:00Z")..<instant("2025-03-12T23:50:00Z"))
    }

    @Test func filtersAndGroupingAreRead() throws {
        let events = try parse(.events, [
            ("from", "2025-01-01"), ("to", "2025-01-02"), ("source", "tiktok"), ("funnelStage", "bottom"),
            ("eventType", "purchase"), ("groupBy", "eventType"),
        ])
        #expect(events.source == .tiktok)
        #expect(events.funnelStage == .bottom)
        #expect(events.eventType == "purchase")
        #expect(events.groupBy == .eventType)
        let revenue = try parse(.revenue, [("from", "2025-01-01"), ("to", "2025-01-02"), ("campaignId", "c-1"), ("groupBy", "campaignId")])
        #expect(revenue.campaignId == "c-1")
        #expect(revenue.groupBy == .campaignId)
        let top = try parse(.topEvents, [("from", "2025-01-01"), ("to", "2025-01-02"), ("limit", "3"), ("segment", "properties.country:UA")])
        #expect(top.limit == 3)
        #expect(top.segment == Segment(field: .country, value: "UA"))
        let dau = try parse(.dau, [("from", "2025-01-01"), ("to", "2025-01-02"), ("segment", "source:app")])
        #expect(dau.segment == Segment(field: .source, value: "app"))
        #expect(dau.limit == ReportParameters.defaultLimit)
    }

    /// A colon followed by a combining mark or an emoji modifier is one Character with it; the segment
    /// still splits there (schemathesis found `properties.country:🏻` refused).
    @Test func aSegmentValueMayStartWithACombiningScalar() throws {
        let modifier = try parse(.dau, [("from", "2025-01-01"), ("to", "2025-01-02"), ("segment", "properties.country:\u{1F3FB}")])
        #expect(modifier.segment == Segment(field: .country, value: "\u{1F3FB}"))
        let accent = try parse(.dau, [("from", "2025-01-01"), ("to", "2025-01-02"), ("segment", "device:\u{0301}x")])
        #expect(accent.segment == Segment(field: .device, value: "\u{0301}x"))
    }

    @Test func retentionStartsOnTheMondayOfStartDate() throws {
        let parameters = try RetentionParameters(query: [(name: "start_date", value: "2025-01-08"), (name: "windows", value: "6")])
        #expect(parameters.startWeek == instant("2025-01-06T00:00:00Z"))
        #expect(parameters.windows == 6)
        #expect(try RetentionParameters(query: [(name: "start_date", value: "2025-01-06")]).startWeek == instant("2025-01-06T00:00:00Z"))
        #expect(try RetentionParameters(query: [(name: "start_date", value: "2025-01-12")]).startWeek == instant("2025-01-06T00:00:00Z"))
        for (query, parameter) in [
            ([("windows", "4")], "start_date"), ([("start_date", "Monday")], "start_date"),
            ([("start_date", "2025-01-06"), ("windows", "0")], "windows"), ([("start_date", "2025-01-06"), ("windows", "53")], "windows"),
            ([("start_date", "2025-01-06"), ("from", "2025-01-01")], "from"),
        ] as [([(String, String)], String)] {
            #expect {
                try RetentionParameters(query: query.map { (name: $0.0, value: $0.1) })
            } throws: { error in
                (error as? APIError).map { $0.status == .badRequest && $0.message.contains(parameter) } ?? false
            }
        }
    }

    @Test func cohortPercentagesRoundHalfUpToOneDecimal() {
        let cohort = Cohort(week: "2025-01-06", size: 8, returning: [1, 0, 3])
        #expect(cohort.percentage(later: 1) == 12.5)
        #expect(cohort.percentage(later: 2) == 0)
        #expect(cohort.percentage(later: 3) == 37.5)
        #expect(Cohort(week: "x", size: 3, returning: [1, 2]).percentage(later: 2) == 66.7)
        #expect(Cohort(week: "x", size: 2000, returning: [1]).percentage(later: 1) == 0.1)  // 0.05 rounds up
        #expect(Cohort(week: "x", size: 0, returning: [0]).percentage(later: 1) == 0)
    }

    /// (route, query, the parameter the message must name, a phrase of the message)
    static let mistakes: [(ReportRoute, [(String, String)], String, String)] = [
        (.events, [("to", "2025-01-02")], "from", "missing"),
        (.events, [("from", "2025-01-01")], "to", "missing"),
        (.events, [("from", "yesterday"), ("to", "2025-01-02")], "from", "not a date"),
        (.events, [("from", "2025-02-30"), ("to", "2025-03-02")], "from", "not a date"),
        (.events, [("from", "2025-01-01"), ("to", "2025-13-01")], "to", "not a date"),
        (.events, [("from", "0001-01-01"), ("to", "2025-01-01")], "from", "between 1970 and 9999"),
        (.events, [("from", ""), ("to", "2025-01-01")], "from", "not a date"),
        (.events, [("from", "2025-01-01T10:30:00.5Z"), ("to", "2025-01-02")], "from", "whole second"),
        (.dau, [("from", "2025-01-01"), ("to", "2025-01-01T10:00:00.250+01:00")], "to", "whole second"),
        (.events, [("from", "2025-01-01"), ("to", "2025-01-02"), ("source", "x")], "source", "unknown source 'x'; expected facebook, tiktok or app"),
        (.events, [("from", "2025-01-01"), ("to", "2025-01-02"), ("groupBy", "campaignId")], "groupBy", "unknown groupBy"),
        (.revenue, [("from", "2025-01-01"), ("to", "2025-01-02"), ("groupBy", "hours")], "groupBy", "unknown groupBy"),
        (.events, [("from", "2025-01-01"), ("to", "2025-01-02"), ("funnelStage", "middle")], "funnelStage", "unknown funnelStage"),
        (.events, [("from", "2025-01-01"), ("to", "2025-01-02"), ("eventType", "")], "eventType", "characters"),
        (.revenue, [("from", "2025-01-01"), ("to", "2025-01-02"), ("campaignId", String(repeating: "c", count: 201))], "campaignId", "characters"),
        (.topEvents, [("from", "2025-01-01"), ("to", "2025-01-02"), ("limit", "0")], "limit", "from 1 to 100"),
        (.topEvents, [("from", "2025-01-01"), ("to", "2025-01-02"), ("limit", "101")], "limit", "from 1 to 100"),
        (.topEvents, [("from", "2025-01-01"), ("to", "2025-01-02"), ("limit", "ten")], "limit", "from 1 to 100"),
        (.dau, [("from", "2025-01-01"), ("to", "2025-01-02"), ("segment", "UA")], "segment", "field:value"),
        (.dau, [("from", "2025-01-01"), ("to", "2025-01-02"), ("segment", "planet:earth")], "segment", "unknown segment field"),
        (.dau, [("from", "2025-01-01"), ("to", "2025-01-02"), ("segment", "source:x")], "segment", "unknown source 'x' in segment"),
        (.dau, [("from", "2025-01-01"), ("to", "2025-01-02"), ("segment", "country:")], "segment", "characters"),
        (.events, [("from", "2025-01-01"), ("to", "2025-01-02"), ("limit", "5")], "limit", "unknown parameter"),
        (.dau, [("from", "2025-01-01"), ("to", "2025-01-02"), ("soruce", "app")], "soruce", "unknown parameter"),
        (.events, [("from", "2025-01-01"), ("from", "2025-01-01"), ("to", "2025-01-02")], "from", "more than once"),
    ]

    @Test(arguments: 0..<Self.mistakes.count)
    func everyMistakeIsA400NamingTheParameter(index: Int) {
        let (route, query, parameter, phrase) = Self.mistakes[index]
        do {
            _ = try parse(route, query)
            Issue.record("accepted \(query) on \(route.path)")
        } catch {
            #expect(error.status == .badRequest)
            #expect(error.message.contains(parameter), "\(error.message)")
            #expect(error.message.contains(phrase), "\(error.message)")
        }
    }
}
