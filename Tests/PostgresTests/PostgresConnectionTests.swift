import Foundation
import Postgres
import TestInfrastructure
import Testing

/// Integration tests against the real local PostgreSQL (DATABASE_URL).
@Suite struct PostgresConnectionTests {
    /// Values that COPY's text format or SQL quoting could get wrong.
    static let trickyStrings = [
        "tab\there", "new\nline", "cr\r\nlf", "back\\slash", "\\N", "\\.", "\\", "quote ' and \"double\"",
        "unicode ü 日本語 🎉", "", " spaced ", "a,b;c|d", "x'); DROP TABLE students; --",
    ]

    @Test func copyRoundTripOf10000Rows() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueTable("copy")
        try await connection.execute(
            "CREATE TABLE \(identifier: table) (id integer PRIMARY KEY, body text NOT NULL, note text, amount numeric, seen_at timestamptz)"
        )

        struct Row: Equatable {
            var id: Int, body: String, note: String?, amount: Decimal?, seenAt: Date?
        }
        let start = Date(timeIntervalSince1970: 1_700_000_000.25)
        let rows = (0..<10_000).map { i in
            let tricky = Self.trickyStrings[i % Self.trickyStrings.count]
            return Row(
                id: i,
                body: i % 3 == 0 ? tricky : "\(tricky) #\(i)",
                note: i % 7 == 0 ? nil : (i % 11 == 0 ? "" : "note \(i)\t\(tricky)"),
                amount: i % 5 == 0 ? nil : Decimal(string: "\(i).\(i % 100)"),
                seenAt: i % 13 == 0 ? nil : start.addingTimeInterval(Double(i) * 0.001)
            )
        }
        var buffer = PostgresCopyBuffer(reservingCapacity: 1 << 20)
        for row in rows {
            buffer.appendRow(row.id, row.body, row.note, row.amount, row.seenAt)
        }

        let copied = try await connection.copyFrom(
            "COPY \(PostgresQuery.quoteIdentifier(table)) (id, body, note, amount, seen_at) FROM STDIN", data: buffer
        )
        #expect(copied == 10_000)

        let result = try await connection.query("SELECT id, body, note, amount, seen_at FROM \(identifier: table) ORDER BY id")
        #expect(result.columns == ["id", "body", "note", "amount", "seen_at"])
        try #require(result.count == rows.count)
        var mismatches = 0
        for (row, expected) in zip(result, rows) {
            let actual = Row(
                id: try row.decode(Int.self, column: "id"),
                body: try row.decode(String.self, column: "body"),
                note: try row.decode(String?.self, column: "note"),
                amount: try row.decode(Decimal?.self, column: "amount"),
                seenAt: try row.decode(Date?.self, column: 4)
            )
            if actual != expected {
                mismatches += 1
                if mismatches <= 3 { Issue.record("row \(expected.id): read \(actual), wrote \(expected)") }
            }
        }
        #expect(mismatches == 0)

        try await connection.execute("DROP TABLE \(identifier: table)")
        await connection.close()
    }

    @Test func bindParametersAreNeverSQL() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueTable("bind")
        try await connection.execute("CREATE TABLE \(identifier: table) (id serial PRIMARY KEY, name text)")

        let evil = "Robert'); DROP TABLE \"\(table)\"; --"
        let inserted = try await connection.execute("INSERT INTO \(identifier: table) (name) VALUES (\(evil)), (\(String?.none))")
        #expect(inserted == 2)

        let rows = try await connection.query("SELECT name FROM \(identifier: table) ORDER BY id")
        #expect(try rows.map { try $0.decode(String?.self, column: "name") } == [evil, nil])
        let exists = try await connection.query("SELECT to_regclass(\(PostgresQuery.quoteIdentifier(table))) IS NOT NULL AS present")
        #expect(try exists.first?.decode(Bool.self, column: "present") == true)

        try await connection.execute("DROP TABLE \(identifier: table)")
        await connection.close()
    }

    @Test func typesRoundTripThroughBindParameters() async throws {
        let connection = try await TestDatabase.connect()
        let date = Date(timeIntervalSince1970: 1_714_566_600.123456)
        let uuid = UUID()
        let bytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF]
        let rows = try await connection.query("""
            SELECT \(42)::int AS int, \(Int64.max)::bigint AS big, \(Int32.min)::int AS small, \(2.5)::float8 AS double,
                   \(true)::bool AS bool, \(date)::timestamptz AS date, \(uuid)::uuid AS uuid, \(bytes)::bytea AS bytes,
                   \(Data(bytes))::bytea AS data, \(Decimal(string: "-12.345"))::numeric AS decimal, \(Double?.none)::float8 AS null,
                   extract(epoch FROM \(date)::timestamptz)::text AS epoch
            """)
        let row = try #require(rows.first)
        #expect(try row.decode(Int.self, column: "int") == 42)
        #expect(try row.decode(Int64.self, column: "big") == .max)
        #expect(try row.decode(Int32.self, column: "small") == .min)
        #expect(try row.decode(Double.self, column: "double") == 2.5)
        #expect(try row.decode(Bool.self, column: "bool") == true)
        #expect(abs(try row.decode(Date.self, column: "date").timeIntervalSince(date)) < 0.000_001)
        #expect(try row.decode(String.self, column: "epoch") == "1714566600.123456")
        #expect(try row.decode(UUID.self, column: "uuid") == uuid)
        #expect(try row.decode([UInt8].self, column: "bytes") == bytes)
        #expect(try row.decode(Data.self, column: "data") == Data(bytes))
        #expect(try row.decode(Decimal.self, column: "decimal") == Decimal(string: "-12.345"))
        #expect(try row.decode(Double?.self, column: "null") == nil)
        await connection.close()
    }

    @Test func textArraysArriveElementByElement() async throws {
        let connection = try await TestDatabase.connect()
        let elements = Self.trickyStrings + ["NULL", "null", "{a,b}", "\"", ""]
        let rows = try await connection.query("""
            SELECT element FROM unnest(\(PostgresTextArray(elements))::text[]) WITH ORDINALITY AS e(element, n) ORDER BY n
            """)
        #expect(try rows.map { try $0.decode(String.self, column: "element") } == elements)
        let empty = try await connection.query("SELECT cardinality(\(PostgresTextArray([]))::text[]) AS n")
        #expect(try empty[0].decode(Int.self, column: "n") == 0)
        await connection.close()
    }

    @Test func aCursorHandsOverEveryRowInBatches() async throws {
        let connection = try await TestDatabase.connect()
        for (total, batch) in [(10_000, 3_000), (10_000, 2_500), (0, 100)] {
            var sizes: [Int] = []
            var numbers: [Int] = []
            try await connection.withTransaction { connection in
                try await connection.forEachBatch(of: "SELECT n FROM generate_series(1, \(total)) AS n WHERE n > \(0) ORDER BY n", rows: batch) { rows in
                    sizes.append(rows.count)
                    numbers += try rows.map { try $0.decode(Int.self, column: "n") }
                }
            }
            #expect(numbers == Array(0..<total).map { $0 + 1 }, "\(total) rows by \(batch)")
            #expect(sizes == Array(repeating: batch, count: total / batch) + (total % batch == 0 ? [] : [total % batch]))
        }
        // A cursor lives in a transaction: outside one, PostgreSQL refuses it.
        await #expect(throws: PostgresError.self) {
            try await connection.forEachBatch(of: "SELECT 1", rows: 10) { _ in }
        }
        await connection.close()
    }

    @Test func theNextBatchIsFetchedWhileTheCallerWorksOnOne() async throws {
        let connection = try await TestDatabase.connect()
        let observer = try await TestDatabase.connect()
        let pid = try await connection.query("SELECT pg_backend_pid() AS pid")[0].decode(Int.self, column: "pid")
        var fetchingDuringFirstBatch = false
        var numbers: [Int] = []
        try await connection.withTransaction { connection in
            // The second row takes two seconds to produce: its FETCH is still running while the first batch is
            // handed over, if it was sent before.
            try await connection.forEachBatch(of: """
                SELECT n, CASE WHEN n = 2 THEN pg_sleep(2) END AS pause FROM generate_series(1, 2) AS n WHERE n > \(0)
                """, rows: 1) { rows in
                let number = try rows[0].decode(Int.self, column: "n")
                numbers.append(number)
                guard number == 1 else { return }
                fetchingDuringFirstBatch = try await eventually(timeout: .seconds(10), every: .milliseconds(50)) {
                    let activity = try await observer.query(
                        "SELECT query FROM pg_stat_activity WHERE pid = \(pid) AND state = 'active'")
                    return try activity.first?.decode(String.self, column: "query").hasPrefix("FETCH") ?? false
                }
            }
        }
        #expect(fetchingDuringFirstBatch)
        #expect(numbers == [1, 2])

        // A batch's handler that throws ends the cursor with its error, after the fetch already sent; the
        // connection stays usable.
        struct Stop: Error {}
        await #expect(throws: Stop.self) {
            try await connection.withTransaction { connection in
                try await connection.forEachBatch(of: "SELECT n FROM generate_series(1, 100) AS n WHERE n > \(0)", rows: 10) { _ in
                    throw Stop()
                }
            }
        }
        #expect(try await connection.query("SELECT 1 AS one")[0].decode(Int.self, column: "one") == 1)
        await observer.close()
        await connection.close()
    }

    @Test func decodingErrorsNameTheColumn() async throws {
        let connection = try await TestDatabase.connect()
        let row = try #require(try await connection.query("SELECT 'abc' AS word, NULL::int AS nothing").first)

        let notANumber = try #require(throws: PostgresError.self) { try row.decode(Int.self, column: "word") }
        #expect(notANumber.code == .decodingFailed)
        #expect(notANumber.message.contains("\"word\""))

        let null = try #require(throws: PostgresError.self) { try row.decode(Int.self, column: "nothing") }
        #expect(null.code == .decodingFailed)
        #expect(null.message.contains("\"nothing\""))
        #expect(try row.decode(Int?.self, column: "nothing") == nil)

        let missing = try #require(throws: PostgresError.self) { try row.decode(String.self, column: "nope") }
        #expect(missing.code == .decodingFailed)
        #expect(missing.message.contains("nope"))
        #expect(throws: PostgresError.self) { try row.decode(String.self, column: 7) }
        await connection.close()
    }

    @Test func failedStatementsReportSQLStateAndLeaveTheConnectionUsable() async throws {
        let connection = try await TestDatabase.connect()

        let syntax = try await #require(throws: PostgresError.self) { try await connection.query("SELEC 1") }
        #expect(syntax.code == .queryFailed)
        #expect(syntax.sqlState == "42601")

        let table = TestDatabase.uniqueTable("missing")
        let missing = try await #require(throws: PostgresError.self) {
            try await connection.query("SELECT * FROM \(identifier: table)")
        }
        #expect(missing.code == .queryFailed)
        #expect(missing.sqlState == "42P01")
        #expect(missing.description == "query failed (SQLSTATE 42P01): relation \"\(table)\" does not exist")

        // A COPY sent through execute is refused without leaving the connection stuck in COPY mode.
        let copy = try await #require(throws: PostgresError.self) {
            try await connection.execute("COPY (SELECT 1) TO STDOUT")
        }
        #expect(copy.code == .queryFailed)

        let one = try await connection.query("SELECT 1 AS one")
        #expect(try one.first?.decode(Int.self, column: "one") == 1)
        #expect(!connection.isClosed)
        await connection.close()
    }

    @Test func transactionsCommitOrRollBack() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueTable("tx")
        try await connection.execute("CREATE TABLE \(identifier: table) (id integer)")
        func count() async throws -> Int {
            try await connection.query("SELECT count(*) AS n FROM \(identifier: table)").first!.decode(Int.self, column: "n")
        }

        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await connection.withTransaction { connection in
                try await connection.execute("INSERT INTO \(identifier: table) VALUES (1), (2)")
                throw Boom()
            }
        }
        #expect(try await count() == 0)

        let inserted = try await connection.withTransaction { connection in
            try await connection.execute("INSERT INTO \(identifier: table) VALUES (1), (2), (3)")
        }
        #expect(inserted == 3)
        #expect(try await count() == 3)

        // A failed statement whose error the body swallowed aborts the transaction: COMMIT must not pretend.
        let aborted = try await #require(throws: PostgresError.self) {
            try await connection.withTransaction { connection in
                try await connection.execute("INSERT INTO \(identifier: table) VALUES (4)")
                _ = try? await connection.execute("SELECT 1/0")
            }
        }
        #expect(aborted.code == .queryFailed)
        #expect(try await count() == 3)

        try await connection.execute("DROP TABLE \(identifier: table)")
        await connection.close()
    }

    @Test func connectingWhereNothingListensFailsQuickly() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        let error = try await #require(throws: PostgresError.self) {
            try await PostgresConnection.connect(url: "postgres://postgres@127.0.0.1:1/postgres", logger: TestDatabase.logger)
        }
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("127.0.0.1"))
        #expect(error.message.contains("port 1 "))
        #expect(error.description.hasPrefix("connection failed: "))
        #expect(clock.now - started < .seconds(5))
    }

    @Test func connectTimeoutBoundsAServerThatNeverAnswers() async throws {
        // A socket that listens but never speaks: the TCP handshake succeeds, the startup reply never comes.
        let silent = try SilentServer()
        defer { silent.close() }
        let clock = ContinuousClock()
        let started = clock.now
        let error = try await #require(throws: PostgresError.self) {
            try await PostgresConnection.connect(
                url: "postgres://postgres@127.0.0.1:\(silent.port)/postgres?sslmode=disable",
                connectTimeout: .seconds(2),
                logger: TestDatabase.logger
            )
        }
        let elapsed = clock.now - started
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("timeout"))
        // Bounded by the 2 s timeout (libpq counts whole seconds), with slack for a loaded CI machine:
        // without the timeout the connection would wait forever.
        #expect(elapsed >= .seconds(1) && elapsed < .seconds(10))
    }

    @Test func malformedCopyFailsWithSQLStateAndLeavesTheConnectionUsable() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueTable("badcopy")
        try await connection.execute("CREATE TABLE \(identifier: table) (id integer, name text)")
        let copy = "COPY \(PostgresQuery.quoteIdentifier(table)) (id, name) FROM STDIN"

        var notANumber = PostgresCopyBuffer()
        notANumber.appendRow(1, "fine")
        notANumber.appendRow("not a number", "bad")
        let invalid = try await #require(throws: PostgresError.self) { try await connection.copyFrom(copy, data: notANumber) }
        #expect(invalid.code == .copyFailed)
        #expect(invalid.sqlState == "22P02")

        var tooManyFields = PostgresCopyBuffer()
        tooManyFields.appendRow(1, "a", "extra")
        let extra = try await #require(throws: PostgresError.self) { try await connection.copyFrom(copy, data: tooManyFields) }
        #expect(extra.code == .copyFailed)
        #expect(extra.sqlState == "22P04")

        let noTable = try await #require(throws: PostgresError.self) {
            try await connection.copyFrom("COPY \(PostgresQuery.quoteIdentifier(table + "-none")) FROM STDIN", data: tooManyFields)
        }
        #expect(noTable.code == .copyFailed)
        #expect(noTable.sqlState == "42P01")

        // Nothing of the failed COPYs was stored, and the connection still works.
        let rows = try await connection.query("SELECT count(*) AS n FROM \(identifier: table)")
        #expect(try rows.first?.decode(Int.self, column: "n") == 0)
        var good = PostgresCopyBuffer()
        good.appendRow(1, "fine")
        #expect(try await connection.copyFrom(copy, data: good) == 1)

        try await connection.execute("DROP TABLE \(identifier: table)")
        await connection.close()
    }

    @Test func serverGoingAwayIsReportedAsConnectionClosed() async throws {
        let victim = try await TestDatabase.connect()
        let killer = try await TestDatabase.connect()
        let pid = try await victim.query("SELECT pg_backend_pid() AS pid").first!.decode(Int.self, column: "pid")
        _ = try await killer.query("SELECT pg_terminate_backend(\(pid))")

        let lost = try await #require(throws: PostgresError.self) { try await victim.query("SELECT 1") }
        #expect(lost.code == .connectionClosed)
        #expect(lost.message.contains("server closed the connection"))
        #expect(victim.isClosed)
        let afterwards = try await #require(throws: PostgresError.self) { try await victim.query("SELECT 1") }
        #expect(afterwards.code == .connectionClosed)

        await victim.close()
        await victim.close()  // idempotent
        await killer.close()
        let closed = try await #require(throws: PostgresError.self) { try await killer.execute("SELECT 1") }
        #expect(closed.code == .connectionClosed)
    }

    @Test func scriptsRunSeveralStatements() async throws {
        let connection = try await TestDatabase.connect()
        let table = PostgresQuery.quoteIdentifier(TestDatabase.uniqueTable("script"))
        try await connection.executeScript("CREATE TABLE \(table) (id int); INSERT INTO \(table) VALUES (1), (2);")
        let rows = try await connection.query("SELECT count(*) AS n FROM \(unescaped: table)")
        #expect(try rows.first?.decode(Int.self, column: "n") == 2)
        try await connection.executeScript("DROP TABLE \(table)")
        await connection.close()
    }
}
