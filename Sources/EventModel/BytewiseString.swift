/// A string that equals another only when their UTF-8 bytes are the same, as PostgreSQL compares `text`
/// (its default collation is deterministic). Swift's `String ==` is canonical equivalence: "café" with a
/// precomposed é equals "cafe\u{301}", which PostgreSQL stores as another event id or user. Keys that
/// decide what is a duplicate or who a user is use this type, so that Swift and the database agree.
public struct BytewiseString: Hashable, Sendable, CustomStringConvertible {
    public var string: String

    public init(_ string: String) {
        self.string = string
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        var string = string
        string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(string.utf8.count)
    }

    public var description: String { string }
}
