import ServiceSupport
import Testing

@Suite struct EnvironmentReaderTests {
    let reader = EnvironmentReader(["SIZE": "250", "BAD": "ten", "BIG": "99999", "FLAG": "yes", "EMPTY": ""])

    @Test func readsValuesAndDefaults() throws {
        #expect(try reader.integer("SIZE", default: 1, in: 1...1000) == 250)
        #expect(try reader.integer("MISSING", default: 7, in: 1...1000) == 7)
        #expect(try reader.integer("EMPTY", default: 7, in: 1...1000) == 7)
        #expect(try reader.milliseconds("SIZE", default: .seconds(1), in: 1...1000) == .milliseconds(250))
        #expect(try reader.boolean("FLAG", default: false))
        #expect(reader.string("MISSING", default: "x") == "x")
    }

    @Test func invalidValuesNameTheVariableAndTheRule() {
        #expect(throws: EnvironmentReader.InvalidSetting(variable: "BAD", value: "ten", rule: "expected a whole number")) {
            try reader.integer("BAD", default: 1, in: 1...100)
        }
        #expect(throws: EnvironmentReader.InvalidSetting(variable: "BIG", value: "99999", rule: "expected a number from 1 to 100")) {
            try reader.integer("BIG", default: 1, in: 1...100)
        }
    }
}
