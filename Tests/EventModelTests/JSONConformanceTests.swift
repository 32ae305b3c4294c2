import EventModel
import Testing

/// A JSON text of the corpus, named for the test report.
struct JSONCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]

    init(_ name: String, _ text: String) {
        self.name = name
        self.bytes = Array(text.utf8)
    }

    init(_ name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    var testDescription: String { name }
}

/// Accept/reject cases in the spirit of JSONTestSuite's y_ and n_ files, plus the lone-surrogate
/// and invalid UTF-8 cases it leaves implementation-defined (i_), which this parser rejects.
@Suite struct JSONConformanceTests {
    static let valid: [JSONCase] = [
        JSONCase("empty object", "{}"),
        JSONCase("empty array", "[]"),
        JSONCase("empty object with whitespace", "{ \t\r\n}"),
        JSONCase("empty array with whitespace", "[ \n ]"),
        JSONCase("top-level string", #""abc""#),
        JSONCase("top-level empty string", #""""#),
        JSONCase("top-level number", "42"),
        JSONCase("top-level negative zero", "-0"),
        JSONCase("top-level true", "true"),
        JSONCase("top-level false", "false"),
        JSONCase("top-level null", "null"),
        JSONCase("surrounding whitespace", " \t\r\n[1]\n\r\t "),
        JSONCase("array of scalars", #"[1, "a", true, false, null, {}, []]"#),
        JSONCase("nested arrays", "[[[[[]]]]]"),
        JSONCase("nested objects", #"{"a":{"b":{"c":{}}}}"#),
        JSONCase("object with several members", #"{"a":1,"b":[2,3],"c":{"d":null}}"#),
        JSONCase("duplicate keys", #"{"a":1,"a":2}"#),
        JSONCase("empty key", #"{"":0}"#),
        JSONCase("whitespace everywhere", "{ \"a\" : [ 1 , 2 ] , \"b\" : { } }"),
        JSONCase("zero", "[0]"),
        JSONCase("negative integer", "[-123]"),
        JSONCase("fraction", "[1.5]"),
        JSONCase("zero fraction", "[0.0]"),
        JSONCase("negative fraction", "[-0.25]"),
        JSONCase("exponent", "[1e10]"),
        JSONCase("capital exponent", "[1E10]"),
        JSONCase("positive exponent sign", "[1e+2]"),
        JSONCase("negative exponent sign", "[1e-2]"),
        JSONCase("fraction and exponent", "[1.5e-3]"),
        JSONCase("zero exponent", "[0e0]"),
        JSONCase("huge exponent", "[1.0e999]"),
        JSONCase("many digits", "[123456789012345678901234567890]"),
        JSONCase("integer past Int64", "[-9223372036854775809]"),
        JSONCase("leading zeros in exponent", "[1e007]"),
        JSONCase("simple escapes", #"["\" \\ \/ \b \f \n \r \t"]"#),
        JSONCase("unicode escape", #"["\u0041"]"#),
        JSONCase("escaped NUL", #"["\u0000"]"#),
        JSONCase("lowercase hex escape", #"["\u00e9"]"#),
        JSONCase("uppercase hex escape", #"["\u00E9"]"#),
        JSONCase("surrogate pair escape", #"["\uD83D\uDE00"]"#),
        JSONCase("last scalar as pair", #"["\uDBFF\uDFFF"]"#),
        JSONCase("noncharacter escape", #"["\uFFFF"]"#),
        JSONCase("BMP escape after surrogates", #"["\uE000"]"#),
        JSONCase("escaped quote only", #"["\""]"#),
        JSONCase("slash unescaped", #"["a/b"]"#),
        JSONCase("DEL unescaped", "[\"\u{7F}\"]"),
        JSONCase("two-byte UTF-8", "[\"é\"]"),
        JSONCase("three-byte UTF-8", "[\"€\"]"),
        JSONCase("four-byte UTF-8", "[\"😀\"]"),
        JSONCase("last scalar U+10FFFF", bytes: Array("[\"".utf8) + [0xF4, 0x8F, 0xBF, 0xBF] + Array("\"]".utf8)),
        JSONCase("U+FFFF in UTF-8", bytes: Array("[\"".utf8) + [0xEF, 0xBF, 0xBF] + Array("\"]".utf8)),
        JSONCase("U+E000 in UTF-8", bytes: Array("[\"".utf8) + [0xEE, 0x80, 0x80] + Array("\"]".utf8)),
        JSONCase("U+0080 in UTF-8", bytes: Array("[\"".utf8) + [0xC2, 0x80] + Array("\"]".utf8)),
        JSONCase("U+0800 in UTF-8", bytes: Array("[\"".utf8) + [0xE0, 0xA0, 0x80] + Array("\"]".utf8)),
        JSONCase("U+10000 in UTF-8", bytes: Array("[\"".utf8) + [0xF0, 0x90, 0x80, 0x80] + Array("\"]".utf8)),
        JSONCase("U+D7FF in UTF-8", bytes: Array("[\"".utf8) + [0xED, 0x9F, 0xBF] + Array("\"]".utf8)),
        JSONCase("non-ASCII key", #"{"ключ":"значення"}"#),
        JSONCase("long string", "[\"" + String(repeating: "abcdefgh", count: 100) + "\"]"),
        JSONCase("string with escape at the end of a word", #"["abcdefgh\n"]"#),
        JSONCase("array of objects", #"[{"a":1},{"b":2}]"#),
        JSONCase("depth 512", String(repeating: "[", count: 512) + String(repeating: "]", count: 512)),
        JSONCase("a social event", #"{"eventId":"e1","source":"facebook","data":{"user":{"age":30}}}"#),
        JSONCase("values next to brackets", #"[true,false,null,"x",1,-1.5e3]"#),
        JSONCase("number before closing brace", #"{"a":0}"#),
    ]

    static let invalid: [JSONCase] = [
        JSONCase("empty input", ""),
        JSONCase("whitespace only", " \n "),
        JSONCase("leading zero", "[01]"),
        JSONCase("leading zeros", "[007]"),
        JSONCase("negative leading zero", "[-01]"),
        JSONCase("plus sign", "[+1]"),
        JSONCase("leading dot", "[.5]"),
        JSONCase("trailing dot", "[1.]"),
        JSONCase("trailing dot before exponent", "[1.e5]"),
        JSONCase("minus alone", "[-]"),
        JSONCase("minus space digit", "[- 1]"),
        JSONCase("exponent without digits", "[1e]"),
        JSONCase("exponent sign without digits", "[1e+]"),
        JSONCase("double exponent sign", "[1e+-1]"),
        JSONCase("hex number", "[0x1F]"),
        JSONCase("NaN", "[NaN]"),
        JSONCase("Infinity", "[Infinity]"),
        JSONCase("negative Infinity", "[-Infinity]"),
        JSONCase("top-level leading zero", "01"),
        JSONCase("number with trailing letter", "[1a]"),
        JSONCase("two numbers", "1 2"),
        JSONCase("trailing comma in array", "[1,]"),
        JSONCase("trailing comma in object", #"{"a":1,}"#),
        JSONCase("leading comma in array", "[,1]"),
        JSONCase("double comma", "[1,,2]"),
        JSONCase("comma only", "[,]"),
        JSONCase("missing comma", "[1 2]"),
        JSONCase("missing comma between members", #"{"a":1 "b":2}"#),
        JSONCase("missing colon", #"{"a" 1}"#),
        JSONCase("missing value", #"{"a":}"#),
        JSONCase("double colon", #"{"a"::1}"#),
        JSONCase("comma instead of colon", #"{"a",1}"#),
        JSONCase("unquoted key", "{a:1}"),
        JSONCase("number key", "{1:1}"),
        JSONCase("single-quoted string", "['a']"),
        JSONCase("single-quoted key", "{'a':1}"),
        JSONCase("unclosed array", "[1"),
        JSONCase("unclosed object", #"{"a":1"#),
        JSONCase("unclosed string", #"["abc]"#),
        JSONCase("lone closing bracket", "]"),
        JSONCase("mismatched brackets", "[}"),
        JSONCase("mismatched braces", #"{"a":1]"#),
        JSONCase("extra closing bracket", "[1]]"),
        JSONCase("trailing garbage", "[1]x"),
        JSONCase("two top-level values", "{}{}"),
        JSONCase("line comment", "[1] // c"),
        JSONCase("block comment", "[/* c */1]"),
        JSONCase("hash comment", "# c\n[1]"),
        JSONCase("capital True", "[True]"),
        JSONCase("truncated true", "[tru]"),
        JSONCase("truncated null at end", "nul"),
        JSONCase("literal with suffix", "[truex]"),
        JSONCase("undefined", "[undefined]"),
        JSONCase("unescaped newline in string", "[\"a\nb\"]"),
        JSONCase("unescaped tab in string", "[\"a\tb\"]"),
        JSONCase("unescaped NUL in string", bytes: Array("[\"a".utf8) + [0x00] + Array("\"]".utf8)),
        JSONCase("unescaped 0x1F in string", bytes: Array("[\"a".utf8) + [0x1F] + Array("\"]".utf8)),
        JSONCase("invalid escape", #"["\a"]"#),
        JSONCase("escaped single quote", #"["\'"]"#),
        JSONCase("escape x", #"["\x41"]"#),
        JSONCase("escaped newline byte", "[\"\\\n\"]"),
        JSONCase("short unicode escape", #"["\u12"]"#),
        JSONCase("non-hex unicode escape", #"["\u12G4"]"#),
        JSONCase("capital U escape", #"["\U0041"]"#),
        JSONCase("backslash at end", #"["\"#),
        JSONCase("lone high surrogate", #"["\uD800"]"#),
        JSONCase("lone low surrogate", #"["\uDC00"]"#),
        JSONCase("high surrogate then letter", #"["\uD83Dx"]"#),
        JSONCase("two high surrogates", #"["\uD83D\uD83D"]"#),
        JSONCase("high surrogate then BMP escape", #"["\uD83D\u0041"]"#),
        JSONCase("reversed surrogate pair", #"["\uDE00\uD83D"]"#),
        JSONCase("high surrogate then simple escape", #"["\uD83D\n"]"#),
        JSONCase("overlong slash", bytes: Array("[\"".utf8) + [0xC0, 0xAF] + Array("\"]".utf8)),
        JSONCase("overlong C1", bytes: Array("[\"".utf8) + [0xC1, 0xBF] + Array("\"]".utf8)),
        JSONCase("overlong three-byte", bytes: Array("[\"".utf8) + [0xE0, 0x80, 0xAF] + Array("\"]".utf8)),
        JSONCase("overlong four-byte", bytes: Array("[\"".utf8) + [0xF0, 0x80, 0x80, 0xAF] + Array("\"]".utf8)),
        JSONCase("UTF-8 encoded high surrogate", bytes: Array("[\"".utf8) + [0xED, 0xA0, 0x80] + Array("\"]".utf8)),
        JSONCase("UTF-8 encoded low surrogate", bytes: Array("[\"".utf8) + [0xED, 0xBF, 0xBF] + Array("\"]".utf8)),
        JSONCase("above U+10FFFF", bytes: Array("[\"".utf8) + [0xF4, 0x90, 0x80, 0x80] + Array("\"]".utf8)),
        JSONCase("byte F5", bytes: Array("[\"".utf8) + [0xF5, 0x80, 0x80, 0x80] + Array("\"]".utf8)),
        JSONCase("byte FF", bytes: Array("[\"".utf8) + [0xFF] + Array("\"]".utf8)),
        JSONCase("lone continuation byte", bytes: Array("[\"".utf8) + [0x80] + Array("\"]".utf8)),
        JSONCase("truncated two-byte sequence", bytes: Array("[\"".utf8) + [0xC3] + Array("\"]".utf8)),
        JSONCase("truncated three-byte sequence", bytes: Array("[\"".utf8) + [0xE2, 0x82] + Array("\"]".utf8)),
        JSONCase("truncated four-byte sequence", bytes: Array("[\"".utf8) + [0xF0, 0x9F, 0x98] + Array("\"]".utf8)),
        JSONCase("truncated sequence at end of input", bytes: Array("[\"".utf8) + [0xE2, 0x82]),
        JSONCase("non-ASCII outside strings", bytes: [0x5B, 0xC3, 0xA9, 0x5D]),
        JSONCase("byte order mark", bytes: [0xEF, 0xBB, 0xBF] + Array("[]".utf8)),
        JSONCase("form feed as whitespace", "[\u{0C}1]"),
        JSONCase("vertical tab as whitespace", "[\u{0B}1]"),
        JSONCase("no-break space as whitespace", "[\u{A0}1]"),
        JSONCase("NUL after value", bytes: Array("[1]".utf8) + [0x00]),
        JSONCase("depth 513", String(repeating: "[", count: 513) + String(repeating: "]", count: 513)),
        JSONCase("object key not string", #"{null:1}"#),
        JSONCase("array as key", #"{[]:1}"#),
    ]

    @Test(arguments: valid)
    func acceptsValidDocument(_ json: JSONCase) throws {
        _ = try JSONDocument.parse(json.bytes)
    }

    @Test(arguments: invalid)
    func rejectsInvalidDocument(_ json: JSONCase) {
        #expect(throws: JSONSyntaxError.self) { try JSONDocument.parse(json.bytes) }
    }

    @Test func corpusIsLargeEnough() {
        #expect(Self.valid.count >= 60)
        #expect(Self.invalid.count >= 80)
    }
}
