/// Server settings every session of a pool starts with, carried in the connection string through libpq's
/// `options` parameter (as if each connection ran `SET name = value` first).
public struct PostgresSessionSettings: Sendable, Hashable {
    /// `name=value` pairs, in order; names and values must not contain spaces.
    public var settings: [(name: String, value: String)]

    public init(_ settings: [(name: String, value: String)]) {
        self.settings = settings
    }

    /// `url` (a `postgres://` URL or a `key=value` string) with the settings added.
    public func applied(to url: String) -> String {
        guard !settings.isEmpty else { return url }
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            return url + " options='" + settings.map { "-c \($0.name)=\($0.value)" }.joined(separator: " ") + "'"
        }
        let separator = url.contains("?") ? "&" : "?"
        return url + separator + "options=" + settings.map { "-c%20\($0.name)%3D\($0.value)" }.joined(separator: "%20")
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.settings.map(\.name) == rhs.settings.map(\.name) && lhs.settings.map(\.value) == rhs.settings.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        for setting in settings {
            hasher.combine(setting.name)
            hasher.combine(setting.value)
        }
    }
}

/// Connection strings of the same server.
public enum PostgresURL {
    /// `url` (a `postgres://` URL) with its database replaced by `database`; its query is kept.
    public static func replacingDatabase(of url: String, with database: String) -> String {
        let query = url.firstIndex(of: "?").map { String(url[$0...]) } ?? ""
        let base = url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
        guard let slash = base.lastIndex(of: "/"), !base[..<slash].hasSuffix("/") else { return base + "/" + database + query }
        return base[..<slash] + "/" + database + query
    }
}
