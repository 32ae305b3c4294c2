import EventModel
import Foundation
import Testing

/// Deterministic random documents: generated values must come back exactly, and mutated texts the
/// parser accepts must be JSON for an independent parser too.
@Suite struct JSONDifferentialTests {
    /// SplitMix64: small, seedable, the same sequence on every platform.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    indirect enum Value {
        case object([(key: String, value: Value)])
        case array([Value])
        case string(String)
        case number(String)
        case bool(Bool)
        case null
    }

    /// Scalars that exercise every string path: plain ASCII, what must be escaped, and 2-, 3- and
    /// 4-byte UTF-8.
    static let scalarPool: [Unicode.Scalar] = Array("abcXYZ019 _-./:".unicodeScalars) + [
        "\"", "\\", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "ї", "€", "\u{FFFF}", "\u{E000}", "😀",
        "\u{10FFFF}", "\u{10000}",
    ]

    static func randomString(_ random: inout SeededGenerator) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &random) {
            scalars.append(scalarPool.randomElement(using: &random)!)
        }
        return String(scalars)
    }

    static func randomNumber(_ random: inout SeededGenerator) -> String {
        var text = Bool.random(using: &random) ? "-" : ""
        if Int.random(in: 0..<4, using: &random) == 0 {
            text += "0"
        } else {
            text += String(Int.random(in: 1...9, using: &random))
            for _ in 0..<Int.random(in: 0...20, using: &random) { text += String(Int.random(in: 0...9, using: &random)) }
        }
        if Bool.random(using: &random) {
            text += "."
            for _ in 0..<Int.random(in: 1...8, using: &random) { text += String(Int.random(in: 0...9, using: &random)) }
        }
        if Int.random(in: 0..<3, using: &random) == 0 {
            text += ["e", "E"].randomElement(using: &random)! + ["", "+", "-"].randomElement(using: &random)!
            // At most two exponent digits keep every number within Double's range, which Foundation needs.
            for _ in 0..<Int.random(in: 1...2, using: &random) { text += String(Int.random(in: 0...9, using: &random)) }
        }
        return text
    }

    static func randomValue(_ random: inout SeededGenerator, depth: Int = 0) -> Value {
        let choice = Int.random(in: 0..<(depth > 4 ? 4 : 6), using: &random)
        switch choice {
        case 0: return .string(randomString(&random))
        case 1: return .number(randomNumber(&random))
        case 2: return Bool.random(using: &random) ? .bool(Bool.random(using: &random)) : .null
        case 3: return .string(randomString(&random))
        case 4:
            return .array((0..<Int.random(in: 0...5, using: &random)).map { _ in randomValue(&random, depth: depth + 1) })
        default:
            return .object(
                (0..<Int.random(in: 0...5, using: &random)).map { _ in
                    (randomString(&random), randomValue(&random, depth: depth + 1))
                })
        }
    }

    /// Writes `value` with random whitespace and a random choice among the legal spellings of
    /// each character.
    static func write(_ value: Value, _ random: inout SeededGenerator, into out: inout String) {
        func space() { out += ["", "", " ", "\n", "\t", "\r\n  "].randomElement(using: &random)! }
        space()
        switch value {
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                space()
                writeString(member.key, &random, into: &out)
                space()
                out += ":"
                write(member.value, &random, into: &out)
            }
            space()
            out += "}"
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                write(element, &random, into: &out)
            }
            space()
            out += "]"
        case .string(let string): writeString(string, &random, into: &out)
        case .number(let text): out += text
        case .bool(let bool): out += bool ? "true" : "false"
        case .null: out += "null"
        }
        space()
    }

    static func writeString(_ string: String, _ random: inout SeededGenerator, into out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
            if mustEscape || Int.random(in: 0..<4, using: &random) == 0 {
                let simple: [Unicode.Scalar: String] = ["\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\t": "\\t", "/": "\\/"]
                if let escape = simple[scalar], Bool.random(using: &random) {
                    out += escape
                } else {
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16, uppercase: Bool.random(using: &random))
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// Compares the parsed value at `node` with what was generated.
    static func expectEqual(_ document: JSONDocument, _ node: JSONDocument.Node, _ value: Value) {
        switch value {
        case .object(let members):
            let parsed = Array(document.members(of: node))
            #expect(parsed.count == members.count)
            for (pair, member) in zip(parsed, members) {
                #expect(document.string(pair.key) == member.key)
                expectEqual(document, pair.value, member.value)
            }
        case .array(let elements):
            let parsed = Array(document.elements(of: node))
            #expect(parsed.count == elements.count)
            for (element, expected) in zip(parsed, elements) { expectEqual(document, element, expected) }
        case .string(let string):
            #expect(document.string(node) == string)
            #expect(document.string(node, equals: string))
        case .number(let text):
            #expect(document.numberText(node) == text)
            if let expected = Double(text), expected.isFinite { #expect(document.double(node) == expected) }
        case .bool(let bool): #expect(document.bool(node) == bool)
        case .null: #expect(document.isNull(node))
        }
    }

    @Test func generatedDocumentsRoundTrip() throws {
        var random = SeededGenerator(state: 20_250_115)
        for _ in 0..<400 {
            let value = Self.randomValue(&random)
            var text = ""
            Self.write(value, &random, into: &text)
            let document = try JSONDocument.parse(Array(text.utf8))
            Self.expectEqual(document, document.root, value)
            // The root's range is the value without the whitespace around it.
            let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\n"))
            #expect(Array(document.bytes(of: document.root)) == Array(trimmed.utf8))
        }
    }

    /// Bytes that turn up in JSON and in its usual corruptions.
    static let mutationBytes: [UInt8] = Array("{}[]\",:\\/ \t\n\r0123456789.-+eEtrufalsn'#*xu".utf8) + [
        0x00, 0x01, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF,
    ]

    static func mutate(_ bytes: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let index = Int.random(in: 0...bytes.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0 where index < bytes.count: bytes[index] = mutationBytes.randomElement(using: &random)!
            case 1: bytes.insert(mutationBytes.randomElement(using: &random)!, at: index)
            case 2 where index < bytes.count: bytes.remove(at: index)
            default: if index < bytes.count { bytes.insert(bytes[index], at: index) }
            }
        }
        return bytes
    }

    static func foundationAccepts(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    }

    /// Every mutant this parser accepts must be JSON for Foundation too. The other direction is
    /// checked as well, except for what Foundation is known to accept beyond RFC 8259 (listed in
    /// `isKnownFoundationLeniency`).
    @Test func mutantsAreAcceptedOnlyWhenFoundationAgrees() {
        var random = SeededGenerator(state: 42)
        var accepted = 0
        var rejected = 0
        for _ in 0..<3_000 {
            var text = ""
            Self.write(Self.randomValue(&random), &random, into: &text)
            let mutant = Self.mutate(Array(text.utf8), &random)
            let foundation = Self.foundationAccepts(mutant)
            switch Result(catching: { () throws(JSONSyntaxError) in try JSONDocument.parse(mutant) }) {
            case .success(let document):
                accepted += 1
                #expect(
                    foundation || Self.hasNumberBeyondDouble(document),
                    "accepted, Foundation rejects: \(String(decoding: mutant, as: UTF8.self).debugDescription)")
            case .failure(let error):
                rejected += 1
                #expect(
                    !foundation || Self.isKnownFoundationLeniency(mutant, error),
                    "rejected, Foundation accepts: \(String(decoding: mutant, as: UTF8.self).debugDescription)")
            }
        }
        // Both outcomes must be well represented for the comparison to mean anything.
        #expect(accepted > 300)
        #expect(rejected > 300)
    }

    /// Foundation refuses numbers whose magnitude overflows or underflows `Double` (`1e400`,
    /// `1e-400`), a limit RFC 8259 permits; a mutation can grow an exponent that far.
    static func hasNumberBeyondDouble(_ document: JSONDocument) -> Bool {
        func visit(_ node: JSONDocument.Node) -> Bool {
            switch document.kind(of: node) {
            case .number:
                document.double(node) == nil
                    || (document.double(node) == 0
                        && document.numberText(node)!.prefix { $0 != "e" && $0 != "E" }.contains { "123456789".contains($0) })
            case .array: document.elements(of: node).contains(where: visit)
            case .object: document.members(of: node).contains { visit($0.value) }
            default: false
            }
        }
        return visit(document.root)
    }

    /// What Foundation accepts beyond RFC 8259, told by where and why this parser stopped: lone
    /// surrogate escapes (`"\uD800"`, left to implementations by RFC 8259) and trailing commas
    /// (`[1,]`, `{"a":1,}`).
    static func isKnownFoundationLeniency(_ bytes: [UInt8], _ error: JSONSyntaxError) -> Bool {
        if error.message == "lone surrogate in \\u escape" { return true }
        guard error.offset < bytes.count, bytes[error.offset] == UInt8(ascii: "]") || bytes[error.offset] == UInt8(ascii: "}")
        else { return false }
        let before = bytes[..<error.offset].last { !" \t\r\n".utf8.contains($0) }
        return before == UInt8(ascii: ",")
    }
}
