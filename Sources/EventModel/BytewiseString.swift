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
        // Over the contiguous UTF-8 of native strings: `utf8.elementsEqual` walks the views an index at a time.
        var left = lhs.string, right = rhs.string
        return left.withUTF8 { left in right.withUTF8 { right in left.elementsEqual(right) } }
    }

    public func hash(into hasher: inout Hasher) {
        var string = string
        string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(string.utf8.count)
    }

    public var description: String { string }
}
