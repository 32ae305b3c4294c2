import Foundation
import HTTPService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A full-size bulk request (50,000 events, about 18 MB) of valid, invalid and duplicate events.
@Suite struct BulkRequestTests {
    @Test func mixedFullSizeBulkPublishesExactlyTheValidEventsOnce() async throws {
        let run = UUID().uuidString.prefix(8)
        var events: [String] = []
        var expected: Set<[UInt8]> = []
        events.reserveCapacity(50_000)
        for index in 0..<50_000 {
            let id = "bulk-\(run)-\(index)"
            switch index % 10 {
            case 0:
                // Invalid: the rule of contract 1.1 that percentageWatched is at most 100.
                events.append(SampleEvents.tiktokTop(id: id, user: "u\(index % 997)", percentageWatched: "150"))
            case 5:
                // A repeat of the previous (valid) event: published once, counted as a duplicate.
                events.append(events[index - 1])
            default:
                let event = index % 2 == 0
                    ? SampleEvents.tiktokTop(id: id, user: "u\(index % 997)")
                    : SampleEvents.facebookTop(id: id, user: "u\(index % 997)")
                events.append(event)
                expected.insert(Array(event.utf8))
            }
        }
        let body = SampleEvents.bulk(events)
        let published = expected
        #expect(body.utf8.count > 15_000_000)

        try await withGateway { gateway in
            let response = try await gateway.post("/webhook/events/bulk", body)
            #expect(response.status == .accepted)
            let summary = try Summary(response)
            #expect(summary.accepted == 40_000)
            #expect(summary.rejected == 5_000)
            #expect(summary.duplicates == 5_000)
            #expect(summary.errors.count == 1_000)
            #expect(summary.errors.first == Summary.Failure(
                index: 0, eventId: "bulk-\(run)-0", error: "data.engagement.percentageWatched must be between 0 and 100"))
            #expect(summary.errors.map(\.index) == Array(stride(from: 0, to: 10_000, by: 10)))

            let records = try await readTopics([gateway.topics.facebook, gateway.topics.tiktok], brokers: gateway.brokers, expecting: 40_000)
            #expect(records.count == 40_000)
            #expect(Set(records.map(\.value)) == published)
        }
    }
}
