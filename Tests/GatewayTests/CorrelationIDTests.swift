import Foundation
import HTTPService
import Testing

@Suite struct CorrelationIDTests {
    @Test func generatedIDsAreDistinctLowercaseVersion4UUIDs() throws {
        let ids = (0..<1_000).map { _ in CorrelationID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let uuid = try #require(UUID(uuidString: id), "not a UUID: \(id)")
            #expect(uuid.uuidString.lowercased() == id)
            #expect(uuid.uuid.6 >> 4 == 4, "version nibble of \(id)")
            #expect(uuid.uuid.8 >> 6 == 0b10, "variant bits of \(id)")
        }
    }
}
