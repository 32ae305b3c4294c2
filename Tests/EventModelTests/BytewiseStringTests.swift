import EventModel
import Testing

@Suite struct BytewiseStringTests {
    @Test func equalOnlyWhenTheUTF8BytesAreEqual() {
        let precomposed = BytewiseString("caf\u{E9}"), decomposed = BytewiseString("cafe\u{301}")
        #expect(precomposed.string == decomposed.string, "Swift calls them equal")
        #expect(precomposed != decomposed)
        #expect(Set([precomposed, decomposed]).count == 2)
        // Two long strings in separate storage, equal byte for byte.
        let long = String(repeating: "user-é-", count: 20)
        let built = (0..<20).reduce(into: "") { text, _ in text += "user-é-" }
        #expect(BytewiseString(long) == BytewiseString(built))
        #expect(BytewiseString(long) != BytewiseString(built + " "))
        #expect(BytewiseString("") == BytewiseString(""))
        #expect(BytewiseString("a") != BytewiseString("ab"))
        // A bridged or sliced string is compared by its bytes too.
        #expect(BytewiseString(String(Substring("xcafé".dropFirst()))) == BytewiseString("café"))
    }
}
