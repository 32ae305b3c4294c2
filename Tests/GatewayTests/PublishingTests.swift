import EventPublisher
import Foundation
@testable import Gateway
import HTTPService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestInfrastructure
import Testing

/// Every valid shape of contract sections 1.1 and 1.2 is accepted and lands, as its original bytes, on
/// its source's topic with the user id as key and the contract's headers.
@Suite struct PublishingTests {
    @Test func everyValidShapeLandsOnItsTopicWithKeyAndHeaders() async throws {
        let fbTop = SampleEvents.facebookTop(id: eventID("fb-top"), user: "fb-u1")
        let fbBottom = SampleEvents.facebookBottom(id: eventID("fb-bottom"), user: "fb-u2")
        let ttTop = SampleEvents.tiktokTop(id: eventID("tt-top"), user: "tt-u1")
        let ttBottom = SampleEvents.tiktokBottom(id: eventID("tt-bottom"), user: "tt-u2")
        let bulkEvent = SampleEvents.facebookTop(id: eventID("fb-bulk"), user: "fb-u3")
        let product = SampleEvents.product(user: "app-u1")

        try await withGateway { gateway in
            let single = try await gateway.post("/webhook/events", fbTop, headers: [.correlationID: "corr-single"])
            #expect(single.status == .accepted)
            #expect(String(buffer: single.body) == #"{"accepted":1,"rejected":0,"duplicates":0,"errors":[]}"#)
            #expect(single.headers[.correlationID] == "corr-single")

            let array = try await gateway.post("/webhook/events", SampleEvents.array([fbBottom, ttTop, ttBottom]), headers: [.correlationID: "corr-array"])
            #expect(array.status == .accepted)
            #expect(try Summary(array) == Summary(accepted: 3, rejected: 0, duplicates: 0, errors: []))

            let bulk = try await gateway.post("/webhook/events/bulk", SampleEvents.bulk([bulkEvent]), headers: [.correlationID: "corr-bulk"])
            #expect(bulk.status == .accepted)
            #expect(try Summary(bulk).accepted == 1)

            let products = try await gateway.post("/events", SampleEvents.bulk([product]), headers: [.correlationID: "corr-app"])
            #expect(products.status == .accepted)
            #expect(try Summary(products).accepted == 1)

            let topics = gateway.topics
            let records = try await readTopics([topics.facebook, topics.tiktok, topics.app], brokers: gateway.brokers, expecting: 6)
            #expect(records.count == 6)
            let expected: [(value: String, topic: String, key: String, correlation: String)] = [
                (fbTop, topics.facebook, "fb-u1", "corr-single"),
                (fbBottom, topics.facebook, "fb-u2", "corr-array"),
                (ttTop, topics.tiktok, "tt-u1", "corr-array"),
                (ttBottom, topics.tiktok, "tt-u2", "corr-array"),
                (bulkEvent, topics.facebook, "fb-u3", "corr-bulk"),
                (product, topics.app, "app-u1", "corr-app"),
            ]
            for event in expected {
                let record = try #require(records.first { $0.value == Array(event.value.utf8) }, "not published byte for byte: \(event.value)")
                #expect(record.topic == event.topic)
                #expect(record.key == Array(event.key.utf8))
                #expect(record.header("correlation-id") == event.correlation)
                #expect(record.header("content-type") == "application/json")
                #expect(record.header("schema-version") == "1")
            }
        }
    }

    @Test func correlationIDIsGeneratedWhenAbsentAndTravelsToKafka() async throws {
        let event = SampleEvents.product(user: "corr-user")
        try await withGateway { gateway in
            let response = try await gateway.post("/events", SampleEvents.bulk([event]))
            #expect(response.status == .accepted)
            let id = try #require(response.headers[.correlationID])
            #expect(UUID(uuidString: id) != nil)
            let records = try await readTopics([gateway.topics.app], brokers: gateway.brokers, expecting: 1)
            #expect(records.map { $0.header("correlation-id") } == [id])

            // An unusable id (too long, or with spaces) is replaced rather than logged or published.
            let replaced = try await gateway.post("/events", "nope", headers: [.correlationID: String(repeating: "x", count: 200)])
            #expect(replaced.status == .badRequest)
            #expect(replaced.headers[.correlationID].flatMap { UUID(uuidString: $0) } != nil)
        }
    }

    @Test func duplicatesWithinARequestArePublishedOnce() async throws {
        let id = eventID("dup")
        let first = SampleEvents.tiktokTop(id: id, user: "dup-user")
        let repeated = SampleEvents.tiktokTop(id: id, user: "dup-user", percentageWatched: "10")
        try await withGateway { gateway in
            let response = try await gateway.post("/webhook/events", SampleEvents.array([first, repeated, first]))
            #expect(response.status == .accepted)
            #expect(try Summary(response) == Summary(accepted: 1, rejected: 0, duplicates: 2, errors: []))
            let records = try await readTopics([gateway.topics.tiktok], brokers: gateway.brokers, expecting: 1)
            #expect(records.map(\.value) == [Array(first.utf8)])
        }
    }

    @Test func metricsCountEventsAndRequests() async throws {
        try await withGateway { gateway in
            let body = SampleEvents.array([
                SampleEvents.facebookTop(id: eventID()), SampleEvents.tiktokTop(id: eventID()), #"{"eventId":"x"}"#,
            ])
            #expect(try await gateway.post("/webhook/events", body).status == .accepted)
            #expect(try await gateway.post("/webhook/events", "[]").status == .badRequest)
            let text = try await gateway.metricsText()
            #expect(text.contains(#"gateway_events_accepted_total{source="facebook"} 1"#))
            #expect(text.contains(#"gateway_events_accepted_total{source="tiktok"} 1"#))
            #expect(text.contains(#"gateway_events_rejected_total{source="unknown",reason="validation"} 1"#))
            #expect(text.contains(#"gateway_requests_total{route="/webhook/events",status="202"} 1"#))
            #expect(text.contains(#"gateway_requests_total{route="/webhook/events",status="400"} 1"#))
            #expect(text.contains(#"gateway_request_duration_seconds_count{route="/webhook/events"} 2"#))
        }
    }
}

extension Summary {
    init(accepted: Int, rejected: Int, duplicates: Int, errors: [Failure]) {
        self.accepted = accepted
        self.rejected = rejected
        self.duplicates = duplicates
        self.errors = errors
    }
}
