/// A SQL statement and its bind parameters.
///
/// Write queries as string literals; every interpolated value becomes a bind parameter (`$1`, `$2`, ...)
/// sent separately from the SQL text, so a value can never change the statement:
///
/// ```swift
/// let rows = try await connection.query("SELECT id FROM events WHERE kind = \(kind) AND at > \(since)")
/// // sql: "SELECT id FROM events WHERE kind = $1 AND at > $2", binds: [kind, since]
/// ```
///
/// Values must conform to ``PostgresBindable``; anything else does not compile. Identifiers cannot be bind
/// parameters, so for DDL with generated names use `\(identifier: name)` (quoted, always safe) or
/// `\(unescaped: sql)` (spliced verbatim: only for trusted text, never for input).
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL text, with `$n` placeholders for the bind parameters.
    public var sql: String
    /// The bind parameters in PostgreSQL's text format, `binds[0]` being `$1`; nil is SQL NULL.
    public var binds: [String?]

    /// Creates a query from SQL text and already-numbered parameters: `binds[0]` is `$1`.
    /// The SQL is sent verbatim, so it must not contain untrusted text.
    public init(unsafeSQL sql: String, binds: [any PostgresBindable] = []) {
        self.sql = sql
        self.binds = binds.map(\.postgresText)
    }

    public init(stringLiteral value: String) {
        self.sql = value
        self.binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.binds = stringInterpolation.binds
    }

    /// The SQL text and the number of parameters; values are left out because they may be large or sensitive.
    public var description: String {
        binds.isEmpty ? sql : "\(sql) [\(binds.count) bind parameter\(binds.count == 1 ? "" : "s")]"
    }

    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        var sql: String
        var binds: [String?]

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + 3 * interpolationCount)
            binds = []
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql.append(literal)
        }

        /// Appends `value` as the next bind parameter (`$n`). Optionals conform too: nil is SQL NULL.
        public mutating func appendInterpolation(_ value: some PostgresBindable) {
            binds.append(value.postgresText)
            sql.append("$\(binds.count)")
        }

        /// Appends `value` as the next bind parameter (`$n`); nil is SQL NULL. (The generic overload above
        /// accepts optionals too; this one exists so that interpolating an optional does not warn.)
        public mutating func appendInterpolation(_ value: (some PostgresBindable)?) {
            binds.append(value?.postgresText ?? nil)
            sql.append("$\(binds.count)")
        }

        /// Appends `name` as a quoted SQL identifier (`"my-table"`, embedded quotes doubled), for table
        /// and column names, which cannot be bind parameters. Safe for any text.
        public mutating func appendInterpolation(identifier name: String) {
            sql.append(PostgresQuery.quoteIdentifier(name))
        }

        /// Appends `sql` verbatim. Only for trusted, program-generated SQL: text from outside the program
        /// spliced here can change the statement (SQL injection).
        public mutating func appendInterpolation(unescaped sql: String) {
            self.sql.append(sql)
        }
    }

    /// `name` as a quoted SQL identifier: wrapped in double quotes, embedded double quotes doubled.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var result = ""
        result.reserveCapacity(count + 2)
        for character in self {
            if character == target { result.append(replacement) } else { result.append(character) }
        }
        return result
    }
}
