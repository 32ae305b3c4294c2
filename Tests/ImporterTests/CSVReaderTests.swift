import Importer
import Testing

@Suite struct CSVReaderTests {
    private func rows(_ text: String) throws -> [CSVRow] {
        var reader = CSVReader(Array(text.utf8))
        var rows: [CSVRow] = []
        while let row = try reader.next() { rows.append(row) }
        return rows
    }

    @Test func plainAndQuotedFields() throws {
        let rows = try rows("a,b,c\n1,\"two, with comma\",\"say \"\"hi\"\"\"\n")
        #expect(rows.map(\.fields) == [["a", "b", "c"], ["1", "two, with comma", #"say "hi""#]])
    }

    @Test func lineBreaksInsideQuotesStayInTheFieldAndLinesAreCounted() throws {
        let rows = try rows("h1,h2\r\n\"first\nsecond\",x\r\nlast,y")
        #expect(rows.map(\.fields) == [["h1", "h2"], ["first\nsecond", "x"], ["last", "y"]])
        #expect(rows.map(\.line) == [1, 2, 4])
    }

    @Test func emptyFieldsEmptyLinesAndByteOrderMark() throws {
        let rows = try rows("\u{FEFF}a,,c\n\n\n,,\n")
        #expect(rows.map(\.fields) == [["a", "", "c"], ["", "", ""]])
        #expect(rows.map(\.line) == [1, 4])
    }

    @Test func anUnclosedQuoteIsAnErrorAtItsLine() {
        #expect(throws: CSVSyntaxError(line: 2, message: "a quoted field is never closed")) {
            try rows("a,b\n\"open,b\nmore\n")
        }
    }

    @Test func textAfterAClosingQuoteIsAnError() {
        #expect(throws: CSVSyntaxError(line: 1, message: "unexpected text after a closing quote")) {
            try rows("\"quoted\"tail,b\n")
        }
    }
}
