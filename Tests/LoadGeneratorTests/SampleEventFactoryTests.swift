import EventModel
@testable import LoadGenerator
import Testing

@Suite struct SampleEventFactoryTests {
    @Test func generatedEventsPassTheContractsValidationAndCarryWhatTheFactorySays() throws {
        var factory = SampleEventFactory()
        var sources: [EventSource: Int] = [:]
        var withAmount = 0
        for _ in 0..<3_000 {
            let event = factory.next()
            let record = try EventRecord(decoding: event.json, format: EventFormat(source: event.source))
            #expect(record.source == event.source)
            #expect(record.eventId == event.eventId)
            #expect(record.userId == event.userId)
            #expect(record.amount == event.amount)
            sources[event.source, default: 0] += 1
            if event.amount != nil { withAmount += 1 }
        }
        #expect(sources.count == 3)
        #expect(withAmount > 100)
    }

    @Test func theInvalidShareIsRejectedByValidation() {
        var settings = SampleEventFactory.Settings()
        settings.invalidShare = 0.5
        var factory = SampleEventFactory(settings: settings)
        var invalid = 0
        for _ in 0..<1_000 {
            let event = factory.next()
            let decoded = try? EventRecord(decoding: event.json, format: EventFormat(source: event.source))
            #expect((decoded != nil) == event.isValid)
            if !event.isValid { invalid += 1 }
        }
        #expect((400...600).contains(invalid))
    }

    @Test func usersRepeatAndTheSeedMakesItReproducible() {
        var settings = SampleEventFactory.Settings()
        settings.usersPerSource = 50
        var first = SampleEventFactory(settings: settings), second = SampleEventFactory(settings: settings)
        let a = (0..<500).map { _ in first.next(source: .facebook) }
        let b = (0..<500).map { _ in second.next(source: .facebook) }
        #expect(a.map(\.json) == b.map(\.json))
        #expect(Set(a.map(\.userId)).count <= 50)
        #expect(Set(a.map(\.eventId)).count == 500)
    }

    /// Sample traffic is recent: the 28 whole days before today, inside the raw events' retention. (A fixed
    /// window once aged out of it, and the collectors dropped its oldest days' raw events.)
    @Test func eventTimesFallInTheDaysBeforeToday() throws {
        var factory = SampleEventFactory()
        let today = UTCCalendar.today()
        var days = Set<Int64>()
        for _ in 0..<2_000 {
            let event = factory.next()
            let record = try EventRecord(decoding: event.json, format: EventFormat(source: event.source))
            days.insert(UTCCalendar.day(ofMicroseconds: record.occurredAt))
        }
        #expect(days.min() == today - 28 && days.max() == today - 1, "days \(days.min() ?? 0)...\(days.max() ?? 0), today \(today)")
    }

    @Test func timestampsAreISO8601InUTC() {
        #expect(SampleEventFactory.iso8601(epochSeconds: 0, milliseconds: 5) == "1970-01-01T00:00:00.005Z")
        #expect(SampleEventFactory.iso8601(epochSeconds: 1_767_225_599, milliseconds: 999) == "2025-12-31T23:59:59.999Z")
        #expect(SampleEventFactory.iso8601(epochSeconds: 951_782_400, milliseconds: 0) == "2000-02-29T00:00:00.000Z")
    }

    @Test func eventsAreAboutTheContractsSize() {
        var factory = SampleEventFactory()
        let sizes = (0..<1_000).map { _ in factory.next(source: .facebook).json.count }
        let average = sizes.reduce(0, +) / sizes.count
        #expect((300...450).contains(average))
    }
}
