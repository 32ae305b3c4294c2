import EventModel
import Testing

@Suite struct EventSourceTests {
    @Test func eachSourceHasTheContractsTopicGroupAndPort() {
        #expect(EventSource.allCases.map(\.topic) == ["events.facebook", "events.tiktok", "events.app"])
        #expect(EventSource.allCases.map(\.collectorGroup) == ["collector-facebook", "collector-tiktok", "collector-app"])
        #expect(EventSource.allCases.map(\.collectorPort) == [9101, 9102, 9103])
        #expect(EventSource.deadLetterTopic == "events.dlq")
    }
}
