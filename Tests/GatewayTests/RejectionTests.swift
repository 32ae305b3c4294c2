import Foundation
import HTTPService
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Broken rules of contract section 1 are reported per event with index, eventId and message, while the
/// valid events of the same request are published. (The message of every single rule is tested in
/// EventModelTests; here the HTTP answer is what is checked.)
@Suite struct RejectionTests {
    struct BrokenRule: Sendable, CustomTestStringConvertible {
        var name: String
        var route: String
        /// A valid event to send first, and the broken one (which takes `id`).
        var valid: String
        var broken: @Sendable (String) -> String
        var message: String
        /// The id the answer names for the broken event made with `id` (nil: unreadable).
        var reportedID: @Sendable (String) -> String? = { $0 }
        var testDescription: String { name }
    }

    static let rules: [BrokenRule] = [
        BrokenRule(name: "missing eventId", route: "/webhook/events", valid: SampleEvents.facebookTop(id: "ok-1"),
                   broken: { _ in SampleEvents.facebookTop(id: "").replacingOccurrences(of: #""eventId":"","#, with: "") },
                   message: "eventId is required", reportedID: { _ in nil }),
        BrokenRule(name: "timestamp not ISO-8601", route: "/webhook/events", valid: SampleEvents.facebookTop(id: "ok-1"),
                   broken: { SampleEvents.facebookTop(id: $0).replacingOccurrences(of: "2025-01-15T12:00:00Z", with: "15/01/2025") },
                   message: "timestamp must be an ISO-8601 date-time with offset or Z"),
        BrokenRule(name: "unknown source", route: "/webhook/events", valid: SampleEvents.tiktokTop(id: "ok-1"),
                   broken: { SampleEvents.tiktokTop(id: $0).replacingOccurrences(of: #""source":"tiktok""#, with: #""source":"myspace""#) },
                   message: "source must be one of facebook, tiktok"),
        BrokenRule(name: "stage does not match type", route: "/webhook/events/bulk", valid: SampleEvents.facebookTop(id: "ok-1"),
                   broken: { SampleEvents.facebookTop(id: $0).replacingOccurrences(of: #""funnelStage":"top""#, with: #""funnelStage":"bottom""#) },
                   message: "funnelStage 'bottom' does not match eventType 'ad.view' (top)"),
        BrokenRule(name: "percentage out of range", route: "/webhook/events/bulk", valid: SampleEvents.tiktokTop(id: "ok-1"),
                   broken: { SampleEvents.tiktokTop(id: $0, percentageWatched: "100.5") },
                   message: "data.engagement.percentageWatched must be between 0 and 100"),
        BrokenRule(name: "negative age", route: "/webhook/events", valid: SampleEvents.facebookTop(id: "ok-1"),
                   broken: { SampleEvents.facebookTop(id: $0).replacingOccurrences(of: #""age":30"#, with: #""age":-1"#) },
                   message: "data.user.age must be an integer from 0 to 2147483647"),
        BrokenRule(name: "amount not a decimal string", route: "/webhook/events", valid: SampleEvents.tiktokTop(id: "ok-1"),
                   broken: { SampleEvents.tiktokBottom(id: $0).replacingOccurrences(of: #""9.99""#, with: "9.99") },
                   message: #"data.engagement.purchaseAmount must be a non-negative decimal string (e.g. "129.99") or null"#),
        BrokenRule(name: "product event_id not a UUID", route: "/events", valid: SampleEvents.product(),
                   broken: { SampleEvents.product(id: $0 + "-x") },
                   message: "event_id must be a UUID (8-4-4-4-12 hexadecimal digits)", reportedID: { $0 + "-x" }),
        BrokenRule(name: "product without user", route: "/events", valid: SampleEvents.product(),
                   broken: { SampleEvents.product(id: $0).replacingOccurrences(of: #""user_id": "user_123", "#, with: "") },
                   message: "user_id is required"),
        // Storable (contract section 1.3): each of these was answered 202 and then dead-lettered by the collector.
        BrokenRule(name: "age beyond the integer column", route: "/webhook/events", valid: SampleEvents.facebookTop(id: "ok-1"),
                   broken: { SampleEvents.facebookTop(id: $0).replacingOccurrences(of: #""age":30"#, with: #""age":2147483648"#) },
                   message: "data.user.age must be an integer from 0 to 2147483647"),
        BrokenRule(name: "NUL in a user id", route: "/webhook/events/bulk", valid: SampleEvents.tiktokTop(id: "ok-1"),
                   broken: { SampleEvents.tiktokTop(id: $0, user: #"tt\u0000user"#) },
                   message: "data.user.userId must not contain NUL characters"),
        BrokenRule(name: "amount of 131,073 digits", route: "/events", valid: SampleEvents.product(),
                   broken: { SampleEvents.product(id: $0).replacingOccurrences(
                       of: #""amount": "5.00""#, with: #""amount": "\#(String(repeating: "1", count: 131_073))""#) },
                   message: "properties.amount must have at most 38 digits"),
        BrokenRule(name: "event not an object", route: "/webhook/events", valid: SampleEvents.facebookTop(id: "ok-1"),
                   broken: { _ in "42" }, message: "event must be an object", reportedID: { _ in nil }),
    ]

    @Test(arguments: rules)
    func brokenRuleIsReportedWithIndexAndValidEventsPass(_ rule: BrokenRule) async throws {
        let id = rule.route == "/events" ? UUID().uuidString.lowercased() : "broken-\(UUID().uuidString.prefix(8))"
        let broken = rule.broken(id)
        let body = rule.route == "/webhook/events" ? SampleEvents.array([rule.valid, broken]) : SampleEvents.bulk([rule.valid, broken])
        try await withGateway { gateway in
            let response = try await gateway.post(rule.route, body)
            #expect(response.status == .accepted)
            let summary = try Summary(response)
            #expect(summary.accepted == 1)
            #expect(summary.rejected == 1)
            let reportedID = rule.reportedID(id)
            #expect(summary.errors == [Summary.Failure(index: 1, eventId: reportedID, error: rule.message)])

            // Only the broken event: nothing accepted, 400 with the same body.
            let alone = try await gateway.post(rule.route, rule.route == "/webhook/events" ? SampleEvents.array([broken]) : SampleEvents.bulk([broken]))
            #expect(alone.status == .badRequest)
            #expect(try Summary(alone) == Summary(accepted: 0, rejected: 1, duplicates: 0, errors: [
                Summary.Failure(index: 0, eventId: reportedID, error: rule.message),
            ]))
        }
    }

    /// A time outside the window names the window; year 0000 (also as 0000-01-01T00:30:00+01:00, which is
    /// in year -1 UTC) was accepted and then refused by PostgreSQL.
    @Test func eventTimesOutsideTheWindowAreRefused() async throws {
        let times = ["0000-01-01T00:30:00+01:00", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59Z"]
        let events = times.enumerated().map { index, time in
            SampleEvents.facebookTop(id: "t-\(index)").replacingOccurrences(of: "2025-01-15T12:00:00Z", with: time)
        }
        try await withGateway { gateway in
            let response = try await gateway.post("/webhook/events", SampleEvents.array([SampleEvents.facebookTop(id: "ok")] + events))
            #expect(response.status == .accepted)
            let summary = try Summary(response)
            #expect(summary.accepted == 1)
            #expect(summary.errors.map(\.index) == [1, 2, 3])
            for failure in summary.errors {
                #expect(failure.error.hasPrefix("timestamp must be from 1970-01-01T00:00:00Z to "), "\(failure.error)")
            }
        }
    }

    /// One event too large for a Kafka record failed the whole request with 503, every time it was sent
    /// again (librdkafka refuses it when it is produced). It is an invalid item now, and the rest is published.
    @Test func anEventTooLargeForKafkaIsAnInvalidItemNotA503() async throws {
        let large = SampleEvents.facebookTop(id: "large").replacingOccurrences(
            of: #""name":"#, with: #""padding":"\#(String(repeating: "x", count: 1_100_000))","name":"#)
        try await withGateway { gateway in
            let response = try await gateway.post("/webhook/events", SampleEvents.array([SampleEvents.facebookTop(id: "small"), large]))
            #expect(response.status == .accepted)
            let summary = try Summary(response)
            #expect(summary.accepted == 1)
            #expect(summary.errors.count == 1)
            #expect(summary.errors.first?.index == 1)
            #expect(summary.errors.first?.eventId == "large")
            #expect(summary.errors.first?.error.hasSuffix("fit a Kafka record") == true, "\(summary.errors)")

            let alone = try await gateway.post("/webhook/events", large)
            #expect(alone.status == .badRequest)
        }
    }

    /// An event Kafka itself refuses (here: the size rule set above the broker's limit, so librdkafka
    /// refuses the record) is a permanent error, not an outage: an invalid item, not a 503 forever.
    @Test func anEventKafkaRefusesIsAnInvalidItem() async throws {
        let large = SampleEvents.facebookTop(id: "refused").replacingOccurrences(
            of: #""name":"#, with: #""padding":"\#(String(repeating: "x", count: 1_100_000))","name":"#)
        try await withGateway(configure: { $0.storability.maximumEventBytes = .max }) { gateway in
            let response = try await gateway.post("/webhook/events", SampleEvents.array([large, SampleEvents.facebookTop(id: "fine")]))
            #expect(response.status == .accepted)
            let summary = try Summary(response)
            #expect(summary.accepted == 1)
            #expect(summary.errors.map(\.index) == [0])
            #expect(summary.errors.first?.error.hasPrefix("Kafka refused the event") == true, "\(summary.errors)")
            #expect(try await gateway.metricsText().contains(#"reason="refused_by_kafka""#))
        }
    }

    @Test func emptyBatchesAnswer400WithTheSummary() async throws {
        try await withGateway(createTopics: false) { gateway in
            for (path, body) in [("/webhook/events", "[]"), ("/webhook/events/bulk", #"{"events":[]}"#), ("/events", #"{"events":[]}"#)] {
                let response = try await gateway.post(path, body)
                #expect(response.status == .badRequest, "\(path)")
                #expect(String(buffer: response.body) == #"{"accepted":0,"rejected":0,"duplicates":0,"errors":[]}"#)
            }
        }
    }

    @Test func errorListIsCappedAndRejectedCountsAll() async throws {
        let invalid = (0..<1_500).map { #"{"eventId":"bad-\#($0)"}"# }
        try await withGateway(createTopics: false) { gateway in
            let response = try await gateway.post("/webhook/events/bulk", SampleEvents.bulk(invalid))
            #expect(response.status == .badRequest)
            let summary = try Summary(response)
            #expect(summary.rejected == 1_500)
            #expect(summary.errors.count == 1_000)
            #expect(summary.errors.first == Summary.Failure(index: 0, eventId: "bad-0", error: "timestamp is required"))
            #expect(summary.errors.last?.index == 999)
        }
    }
}
