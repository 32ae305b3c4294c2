internal import Foundation

/// An error reported by the PostgreSQL client: a failed connection, a statement the server rejected,
/// a failed COPY, a connection that went away, or a value that could not be decoded.
///
/// `description` is short and meant for logs, for example
/// `query failed (SQLSTATE 42P01): relation "x" does not exist`.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of operation failed. A closed set: switch over it with `==` or pattern matching.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        // A struct over a private enum (instead of a public enum) so cases can be added later
        // without breaking clients that switch exhaustively.
        private enum Base: Sendable, Hashable {
            case connectionFailed
            case connectionClosed
            case queryFailed
            case copyFailed
            case decodingFailed
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// The connection could not be established (server unreachable, authentication failed, bad URL, ...).
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection (or the client owning it) was closed, or the server went away mid-operation.
        public static let connectionClosed = Code(.connectionClosed)
        /// The server rejected a statement; `sqlState` says why.
        public static let queryFailed = Code(.queryFailed)
        /// A `COPY ... FROM STDIN` failed; `sqlState` says why when the server reported it.
        public static let copyFailed = Code(.copyFailed)
        /// A column's value could not be decoded into the requested Swift type, or the column does not exist.
        public static let decodingFailed = Code(.decodingFailed)

        public var description: String {
            switch base {
            case .connectionFailed: "connection failed"
            case .connectionClosed: "connection closed"
            case .queryFailed: "query failed"
            case .copyFailed: "copy failed"
            case .decodingFailed: "decoding failed"
            }
        }
    }

    /// What kind of operation failed.
    public var code: Code
    /// The five-character SQLSTATE the server reported (e.g. `42P01`), or nil when the error did not come
    /// from the server (connection refused, decoding, ...).
    public var sqlState: String?
    /// The server's primary message, or libpq's / this library's message when the server sent none.
    public var message: String

    public init(code: Code, sqlState: String? = nil, message: String) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
    }

    public var description: String {
        if let sqlState {
            return "\(code) (SQLSTATE \(sqlState)): \(message)"
        }
        return "\(code): \(message)"
    }
}

extension PostgresError {
    /// Makes libpq's multi-line messages fit on one log line.
    ///
    /// libpq ends messages with a newline, and for connection failures adds tab-indented hint lines
    /// ("Is the server running on that host...") after the line that names the address and the cause;
    /// the hints are generic, so they are dropped. Several lines (one per address tried) are joined with "; ",
    /// and the double space of "FATAL:  message" becomes one.
    static func condense(_ libpqMessage: String) -> String {
        let lines = libpqMessage
            .split(whereSeparator: { $0 == "\n" })
            .filter { !$0.hasPrefix("\t") }
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: ":  ", with: ": ") }
            .filter { !$0.isEmpty }
        if lines.isEmpty { return "unknown error (libpq gave no message)" }
        return lines.joined(separator: "; ")
    }
}
