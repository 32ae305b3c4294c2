/// The kind of a JSON value.
public enum JSONKind: UInt8, Sendable, Hashable {
    case object
    case array
    case string
    case number
    case bool
    case null
}

/// A parsed JSON text: the input bytes plus a flat tape of its values.
///
/// The parser records every value as one tape entry in document order (a container before its
/// children, an object's key before its value), so callers walk objects and arrays by index without
/// a tree being allocated. Values are read lazily from the bytes: strings are unescaped, numbers
/// converted, only when asked, and `byteRange(of:)` gives the original text of any value, which is
/// what the gateway publishes.
public struct JSONDocument: Sendable {
    /// A value of the document. Only meaningful together with the document it came from.
    public struct Node: Hashable, Sendable {
        let index: Int
    }

    /// The whole input, unchanged.
    public let bytes: [UInt8]
    let tape: [TapeEntry]

    /// The deepest nesting of arrays and objects `parse` accepts by default.
    public static let defaultMaximumDepth = 512

    /// Parses a complete JSON text (RFC 8259, strictly: no comments, no trailing commas, valid UTF-8,
    /// no lone surrogate escapes, nothing after the top-level value).
    ///
    /// An array at the top two levels (where a request's events are) holding more than
    /// `maximumListLength` elements, or more than `maximumValues` values in all, stop the parse there
    /// (``JSONSyntaxError/exceededLimit``), before the rest is read: 64 MiB of `[0,0,0,…` costs what the
    /// first elements cost, not 32 million tape entries (16 bytes each).
    public static func parse(
        _ bytes: [UInt8],
        maximumDepth: Int = defaultMaximumDepth,
        maximumListLength: Int = .max,
        maximumValues: Int = .max
    ) throws(JSONSyntaxError) -> JSONDocument {
        let tape = try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in
            var parser = JSONParser(
                input: buffer, maximumDepth: maximumDepth, maximumListLength: maximumListLength, maximumValues: maximumValues)
            return try parser.parse()
        }
        return JSONDocument(bytes: bytes, tape: tape)
    }

    /// Parses a complete JSON text held in memory the caller owns; the bytes are copied once.
    public static func parse(
        _ buffer: UnsafeRawBufferPointer,
        maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONSyntaxError) -> JSONDocument {
        try parse([UInt8](buffer), maximumDepth: maximumDepth)
    }

    /// The top-level value.
    public var root: Node { Node(index: 0) }

    /// The kind of `node`.
    @inline(__always)
    public func kind(of node: Node) -> JSONKind { tape[node.index].kind }

    /// The byte range of `node`'s text in `bytes`, quotes and brackets included.
    public func byteRange(of node: Node) -> Range<Int> {
        let entry = tape[node.index]
        return Int(entry.start)..<Int(entry.end)
    }

    /// The original text of `node`.
    public func bytes(of node: Node) -> ArraySlice<UInt8> { bytes[byteRange(of: node)] }

    /// The elements of an array, in order. `node` must be an array.
    public func elements(of node: Node) -> Children {
        precondition(kind(of: node) == .array, "elements(of:) needs an array")
        return Children(tape: tape, node: node)
    }

    /// The number of elements of an array (or members of an object).
    public func count(of node: Node) -> Int {
        let step = kind(of: node) == .object ? 2 : 1
        var count = 0
        var index = node.index + 1
        let end = Int(tape[node.index].next)
        while index < end {
            count += 1
            for _ in 0..<step { index = Int(tape[index].next) }
        }
        return count
    }

    /// The members of an object as (key, value) pairs in document order. `node` must be an object.
    public func members(of node: Node) -> Members {
        precondition(kind(of: node) == .object, "members(of:) needs an object")
        return Members(children: Children(tape: tape, node: node))
    }

    /// The value of the first member of `object` named `key`, or nil when there is none or when
    /// `object` is not an object.
    ///
    /// RFC 8259 leaves repeated names to the implementation; the first one wins here, and the
    /// gateway and the collector read events with this same function, so they never disagree.
    public func member(_ key: String, of object: Node) -> Node? {
        guard kind(of: object) == .object else { return nil }
        var key = key
        return key.withUTF8 { key in
            tape.withUnsafeBufferPointer { tape in
                bytes.withUnsafeBufferPointer { bytes in
                    let end = Int(tape[object.index].next)
                    var index = object.index + 1
                    while index < end {
                        let entry = tape[index]
                        if entry.flags & TapeEntry.hasEscapes == 0 {
                            let start = Int(entry.start) + 1
                            if Int(entry.end) - 1 - start == key.count,
                                (0..<key.count).allSatisfy({ bytes[start + $0] == key[$0] })
                            {
                                return Node(index: index + 1)
                            }
                        } else if string(Node(index: index), equalsUTF8: key) {
                            return Node(index: index + 1)
                        }
                        index = Int(tape[index + 1].next)
                    }
                    return nil
                }
            }
        }
    }

    /// The Boolean value of `node`, or nil when it is not `true` or `false`.
    public func bool(_ node: Node) -> Bool? {
        let entry = tape[node.index]
        guard entry.kind == .bool else { return nil }
        return bytes[Int(entry.start)] == UInt8(ascii: "t")
    }

    /// Whether `node` is `null`.
    public func isNull(_ node: Node) -> Bool { kind(of: node) == .null }
}

extension JSONDocument {
    /// The direct children of a container, in order; an object's children alternate key and value.
    public struct Children: Sequence, Sendable {
        let tape: [TapeEntry]
        let node: Node

        /// An iterator from the first child to the last.
        public func makeIterator() -> Iterator {
            Iterator(tape: tape, index: node.index + 1, end: Int(tape[node.index].next))
        }

        /// Steps from a child to its next sibling.
        public struct Iterator: IteratorProtocol, Sendable {
            let tape: [TapeEntry]
            var index: Int
            let end: Int

            /// The next child, or nil after the last.
            public mutating func next() -> Node? {
                guard index < end else { return nil }
                let node = Node(index: index)
                index = Int(tape[index].next)
                return node
            }
        }
    }

    /// The members of an object as (key, value) pairs.
    public struct Members: Sequence, Sendable {
        let children: Children

        /// An iterator from the first member to the last.
        public func makeIterator() -> Iterator { Iterator(children: children.makeIterator()) }

        /// Steps through the children two at a time.
        public struct Iterator: IteratorProtocol, Sendable {
            var children: Children.Iterator

            /// The next member, or nil after the last.
            public mutating func next() -> (key: Node, value: Node)? {
                guard let key = children.next(), let value = children.next() else { return nil }
                return (key, value)
            }
        }
    }
}

/// One value of the tape. 16 bytes, so an 18 MB body of about two million values costs ~32 MB.
struct TapeEntry: Sendable {
    /// Offset of the value's first byte (the quote or bracket included).
    var start: UInt32
    /// Offset just past the value's last byte.
    var end: UInt32
    /// Tape index just past this value and all its descendants: the next sibling, if any.
    var next: UInt32
    var kind: JSONKind
    var flags: UInt8

    /// Strings: the text contains at least one escape, so reading it needs unescaping.
    static let hasEscapes: UInt8 = 1
    /// Numbers: the text has neither a fraction nor an exponent.
    static let isInteger: UInt8 = 2
}
