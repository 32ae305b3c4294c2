import EventModel
import Foundation
@testable import Gateway
import HTTPService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestInfrastructure
import Testing

/// The documented answers to requests the gateway refuses, each followed by a normal request to show
/// that the gateway keeps serving.
@Suite struct RequestLimitTests {
    @Test func oversizedBodyAnswers413() async throws {
        try await withGateway(configure: { $0.maximumBodyBytes = 2_048 }) { gateway in
            let events = (0..<10).map { _ in SampleEvents.product() }
            let response = try await gateway.post("/events", SampleEvents.bulk(events))
            #expect(response.status == .contentTooLarge)
            #expect(try json(response)["error"] as? String == "the request body is larger than 2048 bytes")
            try await expectStillServes(gateway)
        }
    }

    @Test func tooManyEventsAnswers413() async throws {
        try await withGateway(configure: { $0.maximumEventsPerRequest = 3 }) { gateway in
            let events = (0..<4).map { _ in SampleEvents.product() }
            let response = try await gateway.post("/events", SampleEvents.bulk(events))
            #expect(response.status == .contentTooLarge)
            #expect(try json(response)["error"] as? String == "a request may carry at most 3 events, this one has more")
            #expect(try await gateway.post("/events", SampleEvents.bulk(Array(events.prefix(3)))).status == .accepted)
        }
    }

    @Test(arguments: [
        ("/webhook/events", "{not json", "body is not valid JSON"),
        ("/webhook/events", "", "body is not valid JSON"),
        ("/webhook/events", #"{"eventId":"a"} trailing"#, "body is not valid JSON"),
        ("/webhook/events", #""a string""#, "body must be a JSON object or array of events"),
        ("/webhook/events/bulk", "[]", "body must be a JSON object with an events array"),
        ("/webhook/events/bulk", #"{"evts":[]}"#, "events is required"),
        ("/events", #"{"events":{}}"#, "events must be an array"),
    ])
    func unreadableBodyAnswers400(path: String, body: String, message: String) async throws {
        try await withGateway { gateway in
            let response = try await gateway.post(path, body)
            #expect(response.status == .badRequest)
            let error = try #require(try json(response)["error"] as? String)
            #expect(error.hasPrefix(message))
            try await expectStillServes(gateway)
        }
    }

    @Test func webhookSignaturesAreCheckedPerSource() async throws {
        let secrets: [EventSource: String] = [.facebook: "fb-secret", .tiktok: "tt-secret"]
        try await withGateway(configure: { $0.signingSecrets = secrets }) { gateway in
            let facebook = SampleEvents.array([SampleEvents.facebookTop(id: eventID("signed"))])
            let signature = RequestSignature.headerName

            let missing = try await gateway.post("/webhook/events", facebook)
            #expect(missing.status == .unauthorized)
            #expect(try json(missing)["error"] is String)

            let wrong = RequestSignature.header(signing: Array(facebook.utf8), secret: "not-the-secret")
            #expect(try await gateway.post("/webhook/events", facebook, headers: [signature: wrong]).status == .unauthorized)
            #expect(try await gateway.post("/webhook/events", facebook, headers: [signature: "sha256=zz"]).status == .unauthorized)
            let otherBody = RequestSignature.header(signing: Array("[]".utf8), secret: "fb-secret")
            #expect(try await gateway.post("/webhook/events", facebook, headers: [signature: otherBody]).status == .unauthorized)

            let right = RequestSignature.header(signing: Array(facebook.utf8), secret: "fb-secret")
            #expect(try await gateway.post("/webhook/events", facebook, headers: [signature: right]).status == .accepted)
            let upperHex = "sha256=" + right.dropFirst(7).uppercased()
            #expect(try await gateway.post("/webhook/events", facebook, headers: [signature: upperHex]).status == .accepted)

            // Signed by Facebook, carrying a TikTok event: TikTok has a secret of its own.
            let tiktokID = eventID("smuggled")
            let mixed = SampleEvents.array([SampleEvents.facebookTop(id: eventID("signed")), SampleEvents.tiktokTop(id: tiktokID)])
            let mixedSigned = RequestSignature.header(signing: Array(mixed.utf8), secret: "fb-secret")
            let partial = try await gateway.post("/webhook/events", mixed, headers: [signature: mixedSigned])
            #expect(partial.status == .accepted)
            #expect(try Summary(partial) == Summary(accepted: 1, rejected: 1, duplicates: 0, errors: [
                Summary.Failure(index: 1, eventId: tiktokID, error: "source tiktok requires a request signed with its own secret"),
            ]))

            // No secret for app: /events is open.
            try await expectStillServes(gateway)
        }
    }

    @Test func productEventsUseTheAppSecret() async throws {
        try await withGateway(configure: { $0.signingSecrets = [.app: "app-secret"] }) { gateway in
            let body = SampleEvents.bulk([SampleEvents.product()])
            let signature = RequestSignature.headerName
            #expect(try await gateway.post("/events", body).status == .unauthorized)
            let signed = RequestSignature.header(signing: Array(body.utf8), secret: "app-secret")
            #expect(try await gateway.post("/events", body, headers: [signature: signed]).status == .accepted)
            // The webhook routes carry no app events: no secret protects them.
            let webhook = try await gateway.post("/webhook/events", SampleEvents.facebookTop(id: eventID()))
            #expect(webhook.status == .accepted)
        }
    }

    /// The first `X-Forwarded-For` address was the client, whoever sent the header: a client got a fresh
    /// bucket per request by writing a new address each time. The header is ignored now unless the
    /// connection comes from a trusted proxy.
    @Test func rateLimitAnswers429PerClientWhateverItClaimsToBe() async throws {
        let limit = GatewayConfiguration.RateLimit(requestsPerSecond: 0.01, burst: 2)
        try await withGateway(configure: { $0.rateLimit = limit }) { gateway in
            let body = SampleEvents.bulk([SampleEvents.product()])
            #expect(try await gateway.post("/events", body, headers: [.xForwardedFor: "203.0.113.1"]).status == .accepted)
            #expect(try await gateway.post("/events", body, headers: [.xForwardedFor: "203.0.113.2"]).status == .accepted)
            let limited = try await gateway.post("/events", body, headers: [.xForwardedFor: "203.0.113.3"])
            #expect(limited.status == .tooManyRequests)
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect((80...100).contains(retryAfter), "about 100 s for a token at 0.01/s, less the time the test took")
            #expect(try json(limited)["error"] is String)

            // Health and metrics are not limited.
            #expect(try await gateway.get("/health/live").status == .ok)
            #expect(try await gateway.metricsText().contains(#"gateway_requests_total{route="/events",status="429"} 1"#))
        }
    }

    @Test func forwardedAddressesCountOnlyFromTrustedProxies() {
        let proxies: Set<String> = ["10.0.0.1", "10.0.0.2"]
        let client = RateLimitMiddleware.client
        #expect(client("198.51.100.9", "203.0.113.7", proxies) == "198.51.100.9", "not from a proxy: the header is ignored")
        #expect(client("10.0.0.1", "203.0.113.7", proxies) == "203.0.113.7")
        #expect(client("10.0.0.1", "6.6.6.6, 203.0.113.7, 10.0.0.2", proxies) == "203.0.113.7", "the hop the proxies saw, not a claim before it")
        #expect(client("10.0.0.1", nil, proxies) == "10.0.0.1")
        #expect(client("10.0.0.1", " , 10.0.0.2", proxies) == "10.0.0.1")
        #expect(client(nil, "203.0.113.7", []) == "unknown")
    }
}

/// A valid request still gets 202 (the gateway survived whatever came before).
func expectStillServes(_ gateway: TestGateway, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let response = try await gateway.post("/events", SampleEvents.bulk([SampleEvents.product()]))
    #expect(response.status == .accepted, sourceLocation: sourceLocation)
}
