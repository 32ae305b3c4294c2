@testable import Reporter
import Testing

@Suite struct CSVTests {
    @Test func fieldsAreQuotedOnlyWhenTheyMustBe() {
        #expect(CSV.text([["key", "count"], ["a,b", "1"], ["say \"hi\"", "2"], ["plain", "3"]])
            == "key,count\r\n\"a,b\",1\r\n\"say \"\"hi\"\"\",2\r\nplain,3\r\n")
    }

    @Test func csvOnlyWhenAskedForBeforeJSON() {
        #expect(ReportAnswer.prefersCSV("text/csv"))
        #expect(ReportAnswer.prefersCSV("text/csv;q=0.9, application/json;q=0.5"))
        #expect(!ReportAnswer.prefersCSV("application/json, text/csv"))
        #expect(!ReportAnswer.prefersCSV("*/*"))
        #expect(!ReportAnswer.prefersCSV(""))
    }

    @Test func retentionHasAColumnPerWindow() {
        let table = RetentionTable(cohorts: [ReportAnswer.Retention(cohort: Cohort(week: "2025-01-06", size: 4, returning: [1, 2]))])
        #expect(CSV.text(table.csvRows) == "cohort_week,week_0,week_1,week_2\r\n2025-01-06,4,25.0,50.0\r\n")
    }

    /// "\r\n" is one Character in Swift, equal to neither "\r" nor "\n": a value holding it went out
    /// unquoted and split its row in two.
    @Test func aValueWithACarriageReturnAndLineFeedIsQuoted() {
        #expect(CSV.text([["city"], ["Kyiv\r\nX"], ["a\rb"], ["a\nb"]]) == "city\r\n\"Kyiv\r\nX\"\r\n\"a\rb\"\r\n\"a\nb\"\r\n")
    }
}
