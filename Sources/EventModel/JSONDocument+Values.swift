extension JSONDocument {
    /// The value of a string, unescaped, or nil when `node` is not a string.
    ///
    /// Strings without escapes (almost all of them) are copied straight from the input, which the
    /// parser has already checked to be valid UTF-8.
    public func string(_ node: Node) -> String? {
        let entry = tape[node.index]
        guard entry.kind == .string else { return nil }
        return withContent(of: entry) { content in
            if entry.flags & TapeEntry.hasEscapes == 0 {
                return String(decoding: content, as: UTF8.self)
            }
            return String(unsafeUninitializedCapacity: content.count) { output in
                Self.unescape(content, into: output)
            }
        }
    }

    /// Calls `body` with the UTF-8 value of a string (the input bytes themselves when there is no
    /// escape to undo); nil when `node` is not a string.
    public func withUTF8<Result>(
        ofString node: Node,
        _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
    ) rethrows -> Result? {
        let entry = tape[node.index]
        guard entry.kind == .string else { return nil }
        if entry.flags & TapeEntry.hasEscapes == 0 { return try withContent(of: entry, body) }
        guard var value = string(node) else { return nil }
        return try value.withUTF8(body)
    }

    /// Whether `node` is a string equal to `literal`, compared without allocating when the string
    /// has no escapes.
    public func string(_ node: Node, equals literal: String) -> Bool {
        var literal = literal
        return literal.withUTF8 { string(node, equalsUTF8: $0) }
    }

    /// The number of Unicode scalars of a string (what PostgreSQL counts as characters), or nil
    /// when `node` is not a string.
    public func stringLength(_ node: Node) -> Int? {
        let entry = tape[node.index]
        guard entry.kind == .string else { return nil }
        guard entry.flags & TapeEntry.hasEscapes == 0 else { return string(node)?.unicodeScalars.count }
        return withContent(of: entry) { content in
            // Every scalar has exactly one byte that is not a continuation byte (10xxxxxx).
            var scalars = 0
            for byte in content where byte & 0xC0 != 0x80 { scalars += 1 }
            return scalars
        }
    }

    /// The exact text of a number, or nil when `node` is not a number.
    public func numberText(_ node: Node) -> String? {
        let entry = tape[node.index]
        guard entry.kind == .number else { return nil }
        return String(decoding: bytes[Int(entry.start)..<Int(entry.end)], as: UTF8.self)
    }

    /// Whether `node` is a number written without fraction or exponent (`25`, not `25.0`).
    public func isIntegerLiteral(_ node: Node) -> Bool {
        let entry = tape[node.index]
        return entry.kind == .number && entry.flags & TapeEntry.isInteger != 0
    }

    /// The value of a number as the nearest `Double`, or nil when `node` is not a number or its
    /// magnitude exceeds `Double`'s finite range.
    public func double(_ node: Node) -> Double? {
        guard let text = numberText(node), let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// The value of an integer literal, or nil when `node` is not one or does not fit an `Int`.
    public func int(_ node: Node) -> Int? {
        guard isIntegerLiteral(node) else { return nil }
        let entry = tape[node.index]
        var index = Int(entry.start)
        let negative = bytes[index] == .minus
        if negative { index += 1 }
        var value = 0
        while index < Int(entry.end) {
            // Accumulate negatively so that Int.min itself fits.
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.subtractingReportingOverflow(Int(bytes[index] &- .zero))
            guard !overflow, !overflow2 else { return nil }
            value = next
            index += 1
        }
        if negative { return value }
        return value == .min ? nil : -value
    }

    // MARK: Internals

    @inline(__always)
    func withContent<Result>(
        of entry: TapeEntry,
        _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
    ) rethrows -> Result {
        try bytes.withUnsafeBufferPointer { buffer in
            try body(UnsafeBufferPointer(rebasing: buffer[Int(entry.start) + 1..<Int(entry.end) - 1]))
        }
    }

    /// Whether `node` is a string whose value is exactly `expected`.
    @inline(__always)
    func string(_ node: Node, equalsUTF8 expected: UnsafeBufferPointer<UInt8>) -> Bool {
        let entry = tape[node.index]
        guard entry.kind == .string else { return false }
        if entry.flags & TapeEntry.hasEscapes != 0 {
            guard var value = string(node) else { return false }
            return value.withUTF8 { $0.elementsEqual(expected) }
        }
        guard Int(entry.end - entry.start) - 2 == expected.count else { return false }
        return withContent(of: entry) { content in
            guard let expectedBase = expected.baseAddress, let contentBase = content.baseAddress else { return true }
            for offset in 0..<expected.count where contentBase[offset] != expectedBase[offset] { return false }
            return true
        }
    }

    /// Writes the unescaped value of a parser-checked string body; returns the byte count.
    /// An escape is never shorter than what it stands for, so `output` needs `content.count` bytes.
    static func unescape(_ content: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var read = 0
        var written = 0
        while read < content.count {
            let byte = content[read]
            guard byte == .backslash else {
                output[written] = byte
                written += 1
                read += 1
                continue
            }
            let escaped = content[read + 1]
            read += 2
            let replacement: UInt8
            switch escaped {
            case UInt8(ascii: "b"): replacement = 0x08
            case UInt8(ascii: "f"): replacement = 0x0C
            case UInt8(ascii: "n"): replacement = .lineFeed
            case UInt8(ascii: "r"): replacement = .carriageReturn
            case UInt8(ascii: "t"): replacement = .tab
            case UInt8(ascii: "u"):
                var scalar = hexQuad(content, at: read)
                read += 4
                if scalar >= 0xD800, scalar <= 0xDBFF {
                    // The parser guarantees the low half follows as another \u escape.
                    let low = hexQuad(content, at: read + 2)
                    read += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                // Checked by the parser: a BMP value outside the surrogates, or a valid pair.
                for unit in Unicode.Scalar(scalar)!.utf8 {
                    output[written] = unit
                    written += 1
                }
                continue
            default: replacement = escaped  // \" \\ \/
            }
            output[written] = replacement
            written += 1
        }
        return written
    }

    private static func hexQuad(_ content: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in index..<index + 4 { value = value << 4 | (content[offset].hexValue ?? 0) }
        return value
    }
}
