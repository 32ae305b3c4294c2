/// The single pass that checks a JSON text and writes its tape.
///
/// Iterative (an explicit stack of open containers), so deep nesting costs no call stack, and it
/// reads the input through an unsafe pointer: bounds are checked once per token rather than once
/// per byte, which is what makes an 18 MB body parse in tens of milliseconds.
struct JSONParser {
    private let base: UnsafePointer<UInt8>
    private let count: Int
    private let maximumDepth: Int
    private let maximumListLength: Int
    private let maximumValues: Int
    private var position = 0
    private var tape: [TapeEntry] = []
    /// Elements so far of the open array at depth 1 and at depth 2 (see `maximumListLength`).
    private var listLengths = (0, 0)

    init(input: UnsafeBufferPointer<UInt8>, maximumDepth: Int, maximumListLength: Int = .max, maximumValues: Int = .max) {
        // An empty buffer may have no base address; any valid pointer will do, it is never read.
        self.base = input.baseAddress ?? UnsafePointer(bitPattern: 1)!
        self.count = input.count
        self.maximumDepth = maximumDepth
        self.maximumListLength = maximumListLength
        self.maximumValues = maximumValues
    }

    mutating func parse() throws(JSONSyntaxError) -> [TapeEntry] {
        guard count > 0 else { throw JSONSyntaxError("empty input", at: 0) }
        // Offsets are stored as UInt32 to keep a tape entry at 16 bytes.
        guard count < Int(UInt32.max) else { throw JSONSyntaxError("input larger than 4 GiB", at: 0) }
        // Events average a value per ~9 bytes; reserving that avoids most regrowth of a large tape.
        tape.reserveCapacity(count / 8 + 4)
        var openContainers: [Int] = []
        openContainers.reserveCapacity(min(maximumDepth, 64))
        var insideObject = false
        var needsValue = true

        while true {
            if needsValue {
                // Keys are on the tape too, so this bounds the tape at `maximumValues` plus one key.
                guard tape.count < maximumValues else {
                    throw JSONSyntaxError("more than \(maximumValues) values", at: position, exceededLimit: .values)
                }
                if !insideObject, openContainers.count == 1 || openContainers.count == 2 {
                    try countListElement(depth: openContainers.count)
                }
                let byte = try nextNonWhitespace()
                switch byte {
                case .openBrace, .openBracket:
                    guard openContainers.count < maximumDepth else {
                        throw JSONSyntaxError("nesting deeper than \(maximumDepth) levels", at: position)
                    }
                    insideObject = byte == .openBrace
                    openContainers.append(tape.count)
                    if openContainers.count == 1 { listLengths.0 = 0 } else if openContainers.count == 2 { listLengths.1 = 0 }
                    append(insideObject ? .object : .array, start: position, end: position)
                    position += 1
                    let closing: UInt8 = insideObject ? .closeBrace : .closeBracket
                    if try nextNonWhitespace() == closing {
                        close(&openContainers, insideObject: &insideObject)
                    } else {
                        if insideObject { try scanKeyAndColon() }
                        continue
                    }
                case .quote:
                    try scanString()
                case .minus, .zero ... .nine:
                    try scanNumber()
                case UInt8(ascii: "t"):
                    try scanLiteral("true", kind: .bool)
                case UInt8(ascii: "f"):
                    try scanLiteral("false", kind: .bool)
                case UInt8(ascii: "n"):
                    try scanLiteral("null", kind: .null)
                default:
                    throw .unexpected(byte, at: position)
                }
                needsValue = false
            }

            // After a value: the end of the document, or a separator or closing bracket.
            guard !openContainers.isEmpty else { break }
            let byte = try nextNonWhitespace()
            if byte == .comma {
                position += 1
                if insideObject { try scanKeyAndColon() }
                needsValue = true
            } else if byte == (insideObject ? UInt8.closeBrace : UInt8.closeBracket) {
                close(&openContainers, insideObject: &insideObject)
            } else {
                throw .unexpected(byte, at: position)
            }
        }

        skipWhitespace()
        guard position == count else { throw .unexpected(base[position], at: position) }
        return tape
    }

    // MARK: Structure

    /// Counts an element of the array open at `depth` (1 or 2) and stops when there are too many.
    @inline(__always)
    private mutating func countListElement(depth: Int) throws(JSONSyntaxError) {
        let length: Int
        if depth == 1 {
            listLengths.0 += 1
            length = listLengths.0
        } else {
            listLengths.1 += 1
            length = listLengths.1
        }
        guard length <= maximumListLength else {
            throw JSONSyntaxError("more than \(maximumListLength) elements in a list", at: position, exceededLimit: .listLength)
        }
    }

    @inline(__always)
    private mutating func append(_ kind: JSONKind, start: Int, end: Int, flags: UInt8 = 0) {
        let index = UInt32(truncatingIfNeeded: tape.count)
        tape.append(
            TapeEntry(
                start: UInt32(truncatingIfNeeded: start),
                end: UInt32(truncatingIfNeeded: end),
                next: index &+ 1,
                kind: kind,
                flags: flags
            ))
    }

    /// Closes the innermost container at the bracket under `position`.
    @inline(__always)
    private mutating func close(_ openContainers: inout [Int], insideObject: inout Bool) {
        let index = openContainers.removeLast()
        position += 1
        tape[index].end = UInt32(truncatingIfNeeded: position)
        tape[index].next = UInt32(truncatingIfNeeded: tape.count)
        if let outer = openContainers.last { insideObject = tape[outer].kind == .object }
    }

    /// An object member's name and the colon after it; the value follows.
    @inline(__always)
    private mutating func scanKeyAndColon() throws(JSONSyntaxError) {
        let byte = try nextNonWhitespace()
        guard byte == .quote else { throw .unexpected(byte, at: position) }
        try scanString()
        let colon = try nextNonWhitespace()
        guard colon == .colon else { throw .unexpected(colon, at: position) }
        position += 1
    }

    /// Skips whitespace and returns the byte after it, which must exist.
    @inline(__always)
    private mutating func nextNonWhitespace() throws(JSONSyntaxError) -> UInt8 {
        skipWhitespace()
        guard position < count else { throw .unexpectedEnd(at: position) }
        return base[position]
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        var index = position
        while index < count {
            let byte = base[index]
            // Only the four whitespace bytes of RFC 8259; anything else ends the run.
            guard byte == .space || byte == .lineFeed || byte == .carriageReturn || byte == .tab else { break }
            index += 1
        }
        position = index
    }

    // MARK: Scalars

    private mutating func scanLiteral(_ literal: StaticString, kind: JSONKind) throws(JSONSyntaxError) {
        let start = position
        let length = literal.utf8CodeUnitCount
        let expected = literal.utf8Start
        for offset in 0..<length {
            let index = start + offset
            guard index < count else { throw .unexpectedEnd(at: index) }
            guard base[index] == expected[offset] else { throw .unexpected(base[index], at: index) }
        }
        position = start + length
        append(kind, start: start, end: position)
    }

    private mutating func scanNumber() throws(JSONSyntaxError) {
        let start = position
        var index = position
        if base[index] == .minus { index += 1 }
        guard index < count else { throw .unexpectedEnd(at: index) }
        if base[index] == .zero {
            index += 1
            if index < count, base[index].isDigit {
                throw JSONSyntaxError("leading zero in number", at: index - 1)
            }
        } else if base[index].isDigit {
            index = skipDigits(from: index + 1)
        } else {
            throw .unexpected(base[index], at: index)
        }
        var flags = TapeEntry.isInteger
        if index < count, base[index] == .dot {
            flags = 0
            index = try requireDigits(from: index + 1)
        }
        if index < count, base[index] | 0x20 == UInt8(ascii: "e") {
            flags = 0
            index += 1
            if index < count, base[index] == .plus || base[index] == .minus { index += 1 }
            index = try requireDigits(from: index)
        }
        position = index
        append(.number, start: start, end: index, flags: flags)
    }

    @inline(__always)
    private func skipDigits(from start: Int) -> Int {
        var index = start
        while index < count, base[index].isDigit { index += 1 }
        return index
    }

    /// One or more digits, as a fraction and an exponent need.
    @inline(__always)
    private func requireDigits(from start: Int) throws(JSONSyntaxError) -> Int {
        guard start < count else { throw .unexpectedEnd(at: start) }
        guard base[start].isDigit else { throw .unexpected(base[start], at: start) }
        return skipDigits(from: start + 1)
    }

    /// A string from the quote under `position` to its closing quote, escapes and UTF-8 checked.
    private mutating func scanString() throws(JSONSyntaxError) {
        let start = position
        var index = start + 1
        var flags: UInt8 = 0
        while true {
            // Fast path: printable ASCII other than the quote and the backslash, eight bytes at a time.
            while index &+ 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                guard !Self.needsAttention(word) else { break }
                index &+= 8
            }
            while index < count {
                let byte = base[index]
                guard byte &- 0x20 < 0x60, byte != .quote, byte != .backslash else { break }
                index &+= 1
            }
            guard index < count else { throw JSONSyntaxError("unterminated string", at: start) }
            let byte = base[index]
            if byte == .quote { break }
            if byte == .backslash {
                flags = TapeEntry.hasEscapes
                index = try scanEscape(at: index)
            } else if byte < 0x20 {
                throw JSONSyntaxError("unescaped control character \(JSONSyntaxError.hex(byte)) in string", at: index)
            } else {
                index = try scanUTF8Sequence(at: index)
            }
        }
        position = index + 1
        append(.string, start: start, end: position, flags: flags)
    }

    /// Whether any of the eight bytes is a quote, a backslash, a control character or non-ASCII
    /// (the classic "has a zero byte" bit trick, applied to each condition).
    @inline(__always)
    private static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(UInt8.quote))
        let backslashes = word ^ (ones &* UInt64(UInt8.backslash))
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        // A byte below 0x20 borrows when 0x20 is subtracted; a non-ASCII byte has its high bit set.
        let hasControl = (word &- (ones &* 0x20)) & ~word
        return (hasQuote | hasBackslash | hasControl | word) & highBits != 0
    }

    /// Checks the escape whose backslash is at `index`; returns the index after it.
    private func scanEscape(at index: Int) throws(JSONSyntaxError) -> Int {
        guard index + 1 < count else { throw .unexpectedEnd(at: index + 1) }
        switch base[index + 1] {
        case .quote, .backslash, .slash, UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
            UInt8(ascii: "r"), UInt8(ascii: "t"):
            return index + 2
        case UInt8(ascii: "u"):
            let unit = try hexQuad(at: index + 2)
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate counts only as the first half of a pair.
                guard index + 7 < count, base[index + 6] == .backslash, base[index + 7] == UInt8(ascii: "u"),
                    case 0xDC00...0xDFFF = try hexQuad(at: index + 8)
                else {
                    throw JSONSyntaxError("lone surrogate in \\u escape", at: index)
                }
                return index + 12
            case 0xDC00...0xDFFF:
                throw JSONSyntaxError("lone surrogate in \\u escape", at: index)
            default:
                return index + 6
            }
        default:
            if base[index + 1] > 0x20, base[index + 1] < 0x7F {
                throw JSONSyntaxError(
                    "invalid escape '\\\(Character(Unicode.Scalar(base[index + 1])))'", at: index)
            }
            throw JSONSyntaxError("invalid escape", at: index)
        }
    }

    /// The four hexadecimal digits of a `\u` escape starting at `index`.
    private func hexQuad(at index: Int) throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for offset in index..<index + 4 {
            guard offset < count else { throw .unexpectedEnd(at: offset) }
            guard let digit = base[offset].hexValue else {
                throw JSONSyntaxError("invalid \\u escape", at: index - 2)
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Checks the multi-byte UTF-8 sequence starting at `index` (RFC 3629: no overlong forms, no
    /// encoded surrogates, nothing above U+10FFFF); returns the index after it.
    private func scanUTF8Sequence(at index: Int) throws(JSONSyntaxError) -> Int {
        let lead = base[index]
        let length: Int
        // The range the second byte must fall in is what rules out overlong forms and surrogates.
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondHigh = 0x9F
        case 0xF0: length = 4; secondLow = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondHigh = 0x8F
        default: throw JSONSyntaxError("invalid UTF-8", at: index)
        }
        guard index + length <= count else { throw JSONSyntaxError("invalid UTF-8", at: index) }
        let second = base[index + 1]
        guard second >= secondLow, second <= secondHigh else { throw JSONSyntaxError("invalid UTF-8", at: index) }
        for offset in 2..<length where base[index + offset] & 0xC0 != 0x80 {
            throw JSONSyntaxError("invalid UTF-8", at: index)
        }
        return index + length
    }
}

extension UInt8 {
    static let tab = UInt8(ascii: "\t")
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let plus = UInt8(ascii: "+")
    static let comma = UInt8(ascii: ",")
    static let minus = UInt8(ascii: "-")
    static let dot = UInt8(ascii: ".")
    static let slash = UInt8(ascii: "/")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let colon = UInt8(ascii: ":")
    static let openBracket = UInt8(ascii: "[")
    static let backslash = UInt8(ascii: "\\")
    static let closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")

    @inline(__always)
    var isDigit: Bool { self &- .zero < 10 }

    /// The value of a hexadecimal digit of either case.
    @inline(__always)
    var hexValue: UInt32? {
        switch self {
        case .zero ... .nine: UInt32(self &- .zero)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(self &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(self &- UInt8(ascii: "A") &+ 10)
        default: nil
        }
    }
}
