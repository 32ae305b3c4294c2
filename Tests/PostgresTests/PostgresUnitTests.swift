import Foundation
import Postgres
import Testing

/// Encoding tests that need no database.
@Suite struct PostgresUnitTests {
    @Test func aURLCanPointAtAnotherDatabaseOfTheSameServer() {
        #expect(PostgresURL.replacingDatabase(of: "postgres://u@h:5432/one?sslmode=disable", with: "two") == "postgres://u@h:5432/two?sslmode=disable")
        #expect(PostgresURL.replacingDatabase(of: "postgres://u@h:5432", with: "two") == "postgres://u@h:5432/two")
    }

    @Test func sessionSettingsTravelInTheConnectionOptions() {
        let settings = PostgresSessionSettings([(name: "statement_timeout", value: "100"), (name: "role", value: "r")])
        #expect(settings.applied(to: "postgres://u@h/db") == "postgres://u@h/db?options=-c%20statement_timeout%3D100%20-c%20role%3Dr")
        #expect(settings.applied(to: "host=h") == "host=h options='-c statement_timeout=100 -c role=r'")
        #expect(PostgresSessionSettings([]).applied(to: "postgres://u@h/db") == "postgres://u@h/db")
    }

    @Test func copyBufferEscapesTextFormatSpecials() {
        var buffer = PostgresCopyBuffer()
        buffer.appendRow("a\tb", "c\\d", "e\nf", "g\rh", nil, 42, "", "\\N")
        buffer.appendRow(Decimal(string: "12.50"), String?.none, "ünï 🎉")
        let expected = "a\\tb\tc\\\\d\te\\nf\tg\\rh\t\\N\t42\t\t\\\\N\n" + "12.5\t\\N\tünï 🎉\n"
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == expected)
        #expect(buffer.rowCount == 2)

        buffer.removeAll()
        #expect(buffer.isEmpty)
        #expect(buffer.bytes.isEmpty)
    }

    @Test func interpolatedValuesBecomeNumberedBindParameters() {
        let name = "x'; DROP TABLE users; --"
        let note: String? = nil
        let query: PostgresQuery = """
            INSERT INTO \(identifier: "my\"table") (name, count, note, ok) VALUES (\(name), \(42), \(note), \(true)) \(unescaped: "RETURNING id")
            """
        #expect(query.sql == #"INSERT INTO "my""table" (name, count, note, ok) VALUES ($1, $2, $3, $4) RETURNING id"#)
        #expect(query.binds == [name, "42", nil, "true"])

        let plain: PostgresQuery = "SELECT 1"
        #expect(plain.sql == "SELECT 1")
        #expect(plain.binds.isEmpty)
    }

    @Test func valuesEncodeToPostgresText() {
        #expect(Double.nan.postgresText == "NaN")
        #expect((-Double.infinity).postgresText == "-Infinity")
        #expect([UInt8]([0x00, 0xAB, 0x10]).postgresText == "\\x00ab10")
        #expect([UInt8](postgresText: "\\x00ab10") == [0x00, 0xAB, 0x10])
        #expect([UInt8](postgresText: "\\x0") == nil)
        #expect(Bool(postgresText: "t") == true)
        #expect(Int(postgresText: "12.5") == nil)
        #expect(Decimal(postgresText: "12abc") == nil)
    }

    @Test func datesRoundTripThroughTimestampText() throws {
        let date = Date(timeIntervalSince1970: 1_714_566_600.123456)
        #expect(date.postgresText == "2024-05-01T12:30:00.123456Z")
        let parsed = try #require(Date(postgresText: "2024-05-01 14:30:00.123456+02"))
        #expect(abs(parsed.timeIntervalSince(date)) < 0.000_001)
        #expect(Date(postgresText: "2024-05-01 12:30:00.123456") .map { abs($0.timeIntervalSince(date)) < 0.000_001 } == true)
        #expect(Date(postgresText: "1969-12-31 23:59:59.5+00") == Date(timeIntervalSince1970: -0.5))
        #expect(Date(postgresText: "2024-05-01") == Date(timeIntervalSince1970: 1_714_521_600))
        #expect(Date(postgresText: "2024-05-01 05:00:00-07:30") == Date(timeIntervalSince1970: 1_714_566_600))
        #expect(Date(postgresText: "infinity") == nil)
        #expect(Date(timeIntervalSince1970: -0.5).postgresText == "1969-12-31T23:59:59.500000Z")
    }

    @Test func errorDescriptionIsShort() {
        let error = PostgresError(code: .queryFailed, sqlState: "42P01", message: #"relation "x" does not exist"#)
        #expect(error.description == #"query failed (SQLSTATE 42P01): relation "x" does not exist"#)
        #expect(PostgresError(code: .connectionClosed, message: "gone").description == "connection closed: gone")
    }
}
