import EventModel
import Testing

@Suite struct JSONDocumentTests {
    private func parse(_ text: String) throws -> JSONDocument { try JSONDocument.parse(Array(text.utf8)) }

    private func text(_ document: JSONDocument, _ node: JSONDocument.Node) -> String {
        String(decoding: document.bytes(of: node), as: UTF8.self)
    }

    @Test func walksObjectsAndArraysInDocumentOrder() throws {
        let document = try parse(#" {"a": [1, {"b": null}, "x"], "c": true, "d": {}} "#)
        let root = document.root
        #expect(document.kind(of: root) == .object)
        #expect(document.count(of: root) == 3)
        let keys = document.members(of: root).map { document.string($0.key) }
        #expect(keys == ["a", "c", "d"])

        let array = try #require(document.member("a", of: root))
        #expect(document.kind(of: array) == .array)
        #expect(document.count(of: array) == 3)
        let elements = Array(document.elements(of: array))
        #expect(elements.map { document.kind(of: $0) } == [.number, .object, .string])
        #expect(elements.map { text(document, $0) } == ["1", #"{"b": null}"#, #""x""#])
        #expect(document.member("b", of: elements[1]).map { document.isNull($0) } == true)
        #expect(document.bool(try #require(document.member("c", of: root))) == true)
        #expect(document.count(of: try #require(document.member("d", of: root))) == 0)
        #expect(document.member("missing", of: root) == nil)
        #expect(document.member("a", of: array) == nil)
        #expect(document.byteRange(of: root) == 1..<49)
    }

    @Test func firstOfRepeatedKeysWins() throws {
        let document = try parse(#"{"a": 1, "a": 2}"#)
        #expect(document.int(try #require(document.member("a", of: document.root))) == 1)
    }

    @Test func findsKeysWrittenWithEscapes() throws {
        let document = try parse(#"{"\u0061b": 1, "c\"d": 2}"#)
        #expect(document.member("ab", of: document.root).flatMap(document.int) == 1)
        #expect(document.member("c\"d", of: document.root).flatMap(document.int) == 2)
    }

    @Test(arguments: [
        (#""plain""#, "plain"),
        (#""""#, ""),
        (#""quote \" backslash \\ slash \/""#, "quote \" backslash \\ slash /"),
        (#""\b\f\n\r\t""#, "\u{08}\u{0C}\n\r\t"),
        (#""\u0041\u00e9\u20AC""#, "Aé€"),
        (#""\uD83D\uDE00 smile""#, "😀 smile"),
        (#""\u0000""#, "\u{0}"),
        ("\"naïve 😀\"", "naïve 😀"),
    ])
    func readsStrings(json: String, expected: String) throws {
        let document = try parse(json)
        #expect(document.string(document.root) == expected)
        #expect(document.string(document.root, equals: expected))
        #expect(!document.string(document.root, equals: expected + "x"))
        #expect(document.stringLength(document.root) == expected.unicodeScalars.count)
    }

    @Test func stringAccessorsRejectOtherKinds() throws {
        let document = try parse("[1, null]")
        let elements = Array(document.elements(of: document.root))
        #expect(document.string(elements[0]) == nil)
        #expect(document.stringLength(elements[1]) == nil)
        #expect(!document.string(elements[0], equals: "1"))
        #expect(document.numberText(elements[1]) == nil)
        #expect(document.bool(elements[1]) == nil)
    }

    @Test(arguments: [
        ("0", 0.0, 0 as Int?),
        ("-0", -0.0, 0),
        ("42", 42, 42),
        ("-17", -17, -17),
        ("1.5", 1.5, nil),
        ("25.0", 25, nil),
        ("1e2", 100, nil),
        ("-2.5E-3", -0.0025, nil),
        ("9223372036854775807", 0x1p63, Int.max),
        ("-9223372036854775808", -0x1p63, Int.min),
        ("9223372036854775808", 0x1p63, nil),
    ])
    func readsNumbers(json: String, double: Double, int: Int?) throws {
        let document = try parse(json)
        #expect(document.numberText(document.root) == json)
        #expect(document.double(document.root) == double)
        #expect(document.int(document.root) == int)
        #expect(document.isIntegerLiteral(document.root) == !json.contains(where: { ".eE".contains($0) }))
    }

    @Test func numbersBeyondDoubleRangeHaveNoDouble() throws {
        let document = try parse("[1e999, 1e-999]")
        let elements = Array(document.elements(of: document.root))
        #expect(document.double(elements[0]) == nil)
        #expect(document.double(elements[1]) == 0)
        #expect(document.numberText(elements[0]) == "1e999")
    }

    @Test func readsStringsThroughTheirUTF8() throws {
        let document = try parse(#"["abc", "a\nb", 1]"#)
        let elements = Array(document.elements(of: document.root))
        #expect(document.withUTF8(ofString: elements[0]) { Array($0) } == Array("abc".utf8))
        #expect(document.withUTF8(ofString: elements[1]) { Array($0) } == Array("a\nb".utf8))
        #expect(document.withUTF8(ofString: elements[2]) { Array($0) } == nil)
    }

    @Test func parsesFromARawBuffer() throws {
        let bytes = Array(#"{"a":[true,false]}"#.utf8)
        let document = try bytes.withUnsafeBytes { buffer in try JSONDocument.parse(buffer) }
        let array = try #require(document.member("a", of: document.root))
        #expect(document.elements(of: array).map { document.bool($0) } == [true, false])
    }

    @Test(arguments: [
        ("[1, x]", "unexpected character 'x' at byte 4"),
        ("", "empty input at byte 0"),
        ("  ", "unexpected end of input at byte 2"),
        ("[01]", "leading zero in number at byte 1"),
        ("[1,]", "unexpected character ']' at byte 3"),
        ("{\"a\":1,}", "unexpected character '}' at byte 7"),
        ("['a']", "unexpected character ''' at byte 1"),
        ("[1.]", "unexpected character ']' at byte 3"),
        ("[\"a\nb\"]", "unescaped control character 0x0A in string at byte 3"),
        (#"["a\qb"]"#, "invalid escape '\\q' at byte 3"),
        (#"["\uD800x"]"#, "lone surrogate in \\u escape at byte 2"),
        (#"["\u12x4"]"#, "invalid \\u escape at byte 2"),
        ("[\"abc", "unterminated string at byte 1"),
        ("[1] x", "unexpected character 'x' at byte 4"),
        ("[1", "unexpected end of input at byte 2"),
        ("[\u{0B}]", "unexpected byte 0x0B at byte 1"),
        ("nulL", "unexpected character 'L' at byte 3"),
    ])
    func reportsWhatAndWhere(json: String, message: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONDocument.parse(Array(json.utf8)) }
        do {
            _ = try JSONDocument.parse(Array(json.utf8))
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func reportsInvalidUTF8AtItsFirstByte() {
        let bytes = Array("[\"ab".utf8) + [0xC0, 0xAF] + Array("\"]".utf8)
        #expect(throws: JSONSyntaxError("invalid UTF-8", at: 4)) { try JSONDocument.parse(bytes) }
    }

    @Test func limitsNestingDepth() throws {
        let deep = Array((String(repeating: "[", count: 11) + String(repeating: "]", count: 11)).utf8)
        #expect(throws: JSONSyntaxError("nesting deeper than 10 levels", at: 10)) {
            try JSONDocument.parse(deep, maximumDepth: 10)
        }
        _ = try JSONDocument.parse(deep, maximumDepth: 11)
        let tooDeep = Array((String(repeating: "{\"a\":", count: 513) + "1" + String(repeating: "}", count: 513)).utf8)
        #expect(throws: JSONSyntaxError("nesting deeper than 512 levels", at: 512 * 5)) {
            try JSONDocument.parse(tooDeep)
        }
    }

    @Test func keepsTheOriginalBytesOfEachElement() throws {
        let text = "[ {\"a\" : \"\\u0041\"} ,\n\t[1 , 2] , \"s\\n\" , -1.5e3 ]"
        let document = try parse(text)
        let slices = document.elements(of: document.root).map { self.text(document, $0) }
        #expect(slices == ["{\"a\" : \"\\u0041\"}", "[1 , 2]", "\"s\\n\"", "-1.5e3"])
    }
}
