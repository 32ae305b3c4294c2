import EventModel
import Testing

/// One broken rule: which event, which field, the replacement JSON (nil removes the field), and
/// the exact message.
struct BrokenRule: Sendable, CustomTestStringConvertible {
    let event: String
    let path: String
    let value: String?
    let message: String

    init(_ event: String, _ path: String, _ value: String?, _ message: String) {
        self.event = event
        self.path = path
        self.value = value
        self.message = message
    }

    var testDescription: String { "\(path) = \(value ?? "<absent>")" }
}

@Suite struct SocialEventValidationTests {
    static let fbTop = TestEvents.facebookTop
    static let fbBottom = TestEvents.facebookBottom
    static let ttTop = TestEvents.tiktokTop
    static let ttBottom = TestEvents.tiktokBottom

    static let eventIdRule = "eventId must be a non-empty string of at most 128 characters"
    static let dateTimeRule = "must be an ISO-8601 date-time with offset or Z"
    static let amountRule = #"must be a non-negative decimal string (e.g. "129.99") or null"#
    static let facebookTypes = "ad.view, page.like, comment, video.view, ad.click, form.submission, checkout.complete"
    static let tiktokTypes = "video.view, like, share, comment, profile.visit, purchase, follow"

    static let envelopeRules: [BrokenRule] = [
        BrokenRule(fbTop, "eventId", nil, "eventId is required"),
        BrokenRule(fbTop, "eventId", #""""#, eventIdRule),
        BrokenRule(fbTop, "eventId", "\"\(String(repeating: "x", count: 129))\"", eventIdRule),
        BrokenRule(fbTop, "eventId", "42", eventIdRule),
        BrokenRule(fbTop, "eventId", "null", eventIdRule),
        BrokenRule(fbTop, "timestamp", nil, "timestamp is required"),
        BrokenRule(fbTop, "timestamp", #""2025-01-15""#, "timestamp \(dateTimeRule)"),
        BrokenRule(fbTop, "timestamp", #""2025-01-15T12:00:00""#, "timestamp \(dateTimeRule)"),
        BrokenRule(fbTop, "timestamp", #""2025-02-30T12:00:00Z""#, "timestamp \(dateTimeRule)"),
        BrokenRule(fbTop, "timestamp", "1736942400", "timestamp \(dateTimeRule)"),
        BrokenRule(fbTop, "source", nil, "source is required"),
        BrokenRule(fbTop, "source", #""instagram""#, "source must be one of facebook, tiktok"),
        BrokenRule(fbTop, "source", #""app""#, "source must be one of facebook, tiktok"),
        BrokenRule(fbTop, "source", #""Facebook""#, "source must be one of facebook, tiktok"),
        BrokenRule(fbTop, "funnelStage", nil, "funnelStage is required"),
        BrokenRule(fbTop, "funnelStage", #""middle""#, "funnelStage must be one of top, bottom"),
        BrokenRule(fbTop, "funnelStage", "null", "funnelStage must be one of top, bottom"),
        BrokenRule(fbTop, "eventType", nil, "eventType is required"),
        BrokenRule(fbTop, "eventType", #""purchase""#, "eventType must be one of \(facebookTypes)"),
        BrokenRule(ttTop, "eventType", #""ad.view""#, "eventType must be one of \(tiktokTypes)"),
        BrokenRule(fbTop, "eventType", #""ad.click""#, "funnelStage 'top' does not match eventType 'ad.click' (bottom)"),
        BrokenRule(fbBottom, "eventType", #""comment""#, "funnelStage 'bottom' does not match eventType 'comment' (top)"),
        BrokenRule(ttTop, "eventType", #""follow""#, "funnelStage 'top' does not match eventType 'follow' (bottom)"),
        BrokenRule(ttBottom, "eventType", #""share""#, "funnelStage 'bottom' does not match eventType 'share' (top)"),
        BrokenRule(fbTop, "data", nil, "data is required"),
        BrokenRule(fbTop, "data", "[]", "data must be an object"),
        BrokenRule(fbTop, "data.user", nil, "data.user is required"),
        BrokenRule(fbTop, "data.user", #""u1""#, "data.user must be an object"),
        BrokenRule(fbTop, "data.engagement", nil, "data.engagement is required"),
        BrokenRule(ttTop, "data.engagement", "null", "data.engagement must be an object"),
    ]

    static let facebookRules: [BrokenRule] = [
        BrokenRule(fbTop, "data.user.userId", nil, "data.user.userId is required"),
        BrokenRule(fbTop, "data.user.userId", #""""#, "data.user.userId must be a non-empty string"),
        BrokenRule(fbTop, "data.user.userId", "7", "data.user.userId must be a non-empty string"),
        BrokenRule(fbTop, "data.user.name", nil, "data.user.name is required"),
        BrokenRule(fbTop, "data.user.name", "null", "data.user.name must be a string"),
        BrokenRule(fbTop, "data.user.age", nil, "data.user.age is required"),
        BrokenRule(fbTop, "data.user.age", "-1", "data.user.age must be an integer from 0 to 2147483647"),
        BrokenRule(fbTop, "data.user.age", "25.5", "data.user.age must be an integer from 0 to 2147483647"),
        BrokenRule(fbTop, "data.user.age", #""25""#, "data.user.age must be an integer from 0 to 2147483647"),
        BrokenRule(fbTop, "data.user.age", "null", "data.user.age must be an integer from 0 to 2147483647"),
        BrokenRule(fbTop, "data.user.gender", nil, "data.user.gender is required"),
        BrokenRule(fbTop, "data.user.gender", #""other""#, "data.user.gender must be one of male, female, non-binary"),
        BrokenRule(fbTop, "data.user.gender", #""Male""#, "data.user.gender must be one of male, female, non-binary"),
        BrokenRule(fbTop, "data.user.location", nil, "data.user.location is required"),
        BrokenRule(fbTop, "data.user.location", #""Kyiv""#, "data.user.location must be an object"),
        BrokenRule(fbTop, "data.user.location.country", nil, "data.user.location.country is required"),
        BrokenRule(fbTop, "data.user.location.country", "1", "data.user.location.country must be a string"),
        BrokenRule(fbTop, "data.user.location.city", nil, "data.user.location.city is required"),
        BrokenRule(fbTop, "data.user.location.city", "null", "data.user.location.city must be a string"),
        BrokenRule(fbTop, "data.engagement.actionTime", nil, "data.engagement.actionTime is required"),
        BrokenRule(fbTop, "data.engagement.actionTime", #""yesterday""#, "data.engagement.actionTime \(dateTimeRule)"),
        BrokenRule(fbTop, "data.engagement.referrer", nil, "data.engagement.referrer is required"),
        BrokenRule(fbTop, "data.engagement.referrer", #""search""#, "data.engagement.referrer must be one of newsfeed, marketplace, groups"),
        BrokenRule(fbTop, "data.engagement.videoId", "5", "data.engagement.videoId must be a string or null"),
        BrokenRule(fbBottom, "data.engagement.adId", nil, "data.engagement.adId is required"),
        BrokenRule(fbBottom, "data.engagement.adId", "9", "data.engagement.adId must be a string"),
        BrokenRule(fbBottom, "data.engagement.campaignId", nil, "data.engagement.campaignId is required"),
        BrokenRule(fbBottom, "data.engagement.campaignId", "7", "data.engagement.campaignId must be a string"),
        BrokenRule(fbBottom, "data.engagement.clickPosition", nil, "data.engagement.clickPosition is required"),
        BrokenRule(fbBottom, "data.engagement.clickPosition", #""middle""#, "data.engagement.clickPosition must be one of top_left, bottom_right, center"),
        BrokenRule(fbBottom, "data.engagement.device", nil, "data.engagement.device is required"),
        BrokenRule(fbBottom, "data.engagement.device", #""tablet""#, "data.engagement.device must be one of mobile, desktop"),
        BrokenRule(fbBottom, "data.engagement.browser", nil, "data.engagement.browser is required"),
        BrokenRule(fbBottom, "data.engagement.browser", #""Edge""#, "data.engagement.browser must be one of Chrome, Firefox, Safari"),
        BrokenRule(fbBottom, "data.engagement.browser", #""chrome""#, "data.engagement.browser must be one of Chrome, Firefox, Safari"),
        BrokenRule(fbBottom, "data.engagement.purchaseAmount", #""12.5.5""#, "data.engagement.purchaseAmount \(amountRule)"),
        BrokenRule(fbBottom, "data.engagement.purchaseAmount", #""-5.00""#, "data.engagement.purchaseAmount \(amountRule)"),
        BrokenRule(fbBottom, "data.engagement.purchaseAmount", #""1e3""#, "data.engagement.purchaseAmount \(amountRule)"),
        BrokenRule(fbBottom, "data.engagement.purchaseAmount", #"".5""#, "data.engagement.purchaseAmount \(amountRule)"),
        BrokenRule(fbBottom, "data.engagement.purchaseAmount", #""5.""#, "data.engagement.purchaseAmount \(amountRule)"),
        BrokenRule(fbBottom, "data.engagement.purchaseAmount", #""""#, "data.engagement.purchaseAmount \(amountRule)"),
        BrokenRule(fbBottom, "data.engagement.purchaseAmount", #"" 5""#, "data.engagement.purchaseAmount \(amountRule)"),
        BrokenRule(fbBottom, "data.engagement.purchaseAmount", "129.99", "data.engagement.purchaseAmount \(amountRule)"),
    ]

    static let tiktokRules: [BrokenRule] = [
        BrokenRule(ttTop, "data.user.userId", nil, "data.user.userId is required"),
        BrokenRule(ttTop, "data.user.username", nil, "data.user.username is required"),
        BrokenRule(ttTop, "data.user.username", "[]", "data.user.username must be a string"),
        BrokenRule(ttTop, "data.user.followers", nil, "data.user.followers is required"),
        BrokenRule(ttTop, "data.user.followers", "-5", "data.user.followers must be an integer >= 0"),
        BrokenRule(ttTop, "data.user.followers", "1.5", "data.user.followers must be an integer >= 0"),
        BrokenRule(ttTop, "data.user.followers", "1e3", "data.user.followers must be an integer >= 0"),
        BrokenRule(ttTop, "data.engagement.watchTime", nil, "data.engagement.watchTime is required"),
        BrokenRule(ttTop, "data.engagement.watchTime", "-0.5", "data.engagement.watchTime must be a number >= 0"),
        BrokenRule(ttTop, "data.engagement.watchTime", #""10""#, "data.engagement.watchTime must be a number >= 0"),
        BrokenRule(ttTop, "data.engagement.percentageWatched", nil, "data.engagement.percentageWatched is required"),
        BrokenRule(ttTop, "data.engagement.percentageWatched", "100.5", "data.engagement.percentageWatched must be between 0 and 100"),
        BrokenRule(ttTop, "data.engagement.percentageWatched", "-0.1", "data.engagement.percentageWatched must be between 0 and 100"),
        BrokenRule(ttTop, "data.engagement.percentageWatched", #""50""#, "data.engagement.percentageWatched must be between 0 and 100"),
        BrokenRule(ttTop, "data.engagement.device", nil, "data.engagement.device is required"),
        BrokenRule(ttTop, "data.engagement.device", #""android""#, "data.engagement.device must be one of Android, iOS, Desktop"),
        BrokenRule(ttTop, "data.engagement.country", nil, "data.engagement.country is required"),
        BrokenRule(ttTop, "data.engagement.country", "null", "data.engagement.country must be a string"),
        BrokenRule(ttTop, "data.engagement.videoId", nil, "data.engagement.videoId is required"),
        BrokenRule(ttTop, "data.engagement.videoId", "null", "data.engagement.videoId must be a string"),
        BrokenRule(ttBottom, "data.engagement.actionTime", nil, "data.engagement.actionTime is required"),
        BrokenRule(ttBottom, "data.engagement.actionTime", #""2025-01-15T25:00:00Z""#, "data.engagement.actionTime \(dateTimeRule)"),
        BrokenRule(ttBottom, "data.engagement.profileId", "3", "data.engagement.profileId must be a string or null"),
        BrokenRule(ttBottom, "data.engagement.purchasedItem", "false", "data.engagement.purchasedItem must be a string or null"),
        BrokenRule(ttBottom, "data.engagement.purchaseAmount", #""abc""#, "data.engagement.purchaseAmount \(amountRule)"),
    ]

    @Test(arguments: envelopeRules + facebookRules + tiktokRules)
    func reportsTheBrokenRule(_ rule: BrokenRule) {
        #expect(TestEvents.error(TestEvents.editing(rule.event, rule.path, to: rule.value)) == rule.message)
    }

    @Test func reportsAnEventThatIsNotAnObject() throws {
        #expect(TestEvents.error("[]") == "event must be an object")
        let document = try JSONDocument.parse(Array("[]".utf8))
        #expect(throws: EventValidationError(field: "", message: "event must be an object")) {
            try EventRecord(validating: document.root, in: document, format: .social)
        }
    }

    @Test func namesTheFieldOfTheError() {
        do {
            _ = try TestEvents.validate(TestEvents.editing(Self.ttTop, "data.engagement.percentageWatched", to: "101"))
            Issue.record("accepted")
        } catch {
            #expect(error.field == "data.engagement.percentageWatched")
        }
    }

    @Test func reportsTheFirstBrokenRuleInContractOrder() {
        var json = TestEvents.editing(Self.fbTop, "data.user.age", to: "-1")
        json = TestEvents.editing(json, "eventId", to: #""""#)
        #expect(TestEvents.error(json) == Self.eventIdRule)
    }

    @Test func acceptsFacebookTop() throws {
        let record = try TestEvents.validate(Self.fbTop)
        #expect(record.source == .facebook)
        #expect(record.eventId == "fb-1")
        #expect(record.eventType == "ad.view")
        #expect(record.funnelStage == .top)
        #expect(record.occurredAt == 1_736_942_400_000_000)
        #expect(record.userId == "u1")
        #expect(record.age == 31)
        #expect(record.gender == "female")
        #expect(record.country == "UA")
        #expect(record.city == "Kyiv")
        #expect(record.device == nil)
        #expect(record.campaignId == nil)
        #expect(record.amount == nil)
        #expect(record.followers == nil)
        #expect(record.byteRange == 0..<Self.fbTop.utf8.count)
    }

    @Test func acceptsFacebookBottomWithPurchaseAmount() throws {
        let record = try TestEvents.validate(Self.fbBottom)
        #expect(record.source == .facebook)
        #expect(record.eventType == "checkout.complete")
        #expect(record.funnelStage == .bottom)
        #expect(record.occurredAt == 1_736_935_200_250_000)
        #expect(record.userId == "u2")
        #expect(record.age == 0)
        #expect(record.gender == "non-binary")
        #expect(record.country == "PL")
        #expect(record.city == "Kraków")
        #expect(record.device == "desktop")
        #expect(record.campaignId == "cmp-7")
        #expect(record.amount == "129.99")
    }

    @Test(arguments: ["null", nil])
    func acceptsFacebookBottomWithoutPurchaseAmount(_ amount: String?) throws {
        let json = TestEvents.editing(
            TestEvents.editing(Self.fbBottom, "eventType", to: #""ad.click""#), "data.engagement.purchaseAmount", to: amount)
        let record = try TestEvents.validate(json)
        #expect(record.eventType == "ad.click")
        #expect(record.amount == nil)
        #expect(record.device == "desktop")
    }

    @Test(arguments: ["0", "20", "0.5", "00129.990"])
    func acceptsDecimalAmounts(_ amount: String) throws {
        let json = TestEvents.editing(Self.fbBottom, "data.engagement.purchaseAmount", to: "\"\(amount)\"")
        #expect(try TestEvents.validate(json).amount == amount)
    }

    @Test func acceptsTikTokTop() throws {
        let record = try TestEvents.validate(Self.ttTop)
        #expect(record.source == .tiktok)
        #expect(record.eventId == "tt-1")
        #expect(record.eventType == "video.view")
        #expect(record.funnelStage == .top)
        #expect(record.occurredAt == 1_736_962_200_000_000)
        #expect(record.userId == "t1")
        #expect(record.followers == 15000)
        #expect(record.device == "iOS")
        #expect(record.country == "US")
        #expect(record.age == nil)
        #expect(record.gender == nil)
        #expect(record.city == nil)
        #expect(record.amount == nil)
        #expect(record.campaignId == nil)
    }

    @Test(arguments: [("0", "0"), ("100", "0"), ("0", "1e2"), ("33.3", "7200.25")])
    func acceptsTikTokBoundaryNumbers(percentage: String, watchTime: String) throws {
        var json = TestEvents.editing(Self.ttTop, "data.engagement.percentageWatched", to: percentage)
        json = TestEvents.editing(json, "data.engagement.watchTime", to: watchTime)
        _ = try TestEvents.validate(json)
    }

    @Test func acceptsTikTokBottom() throws {
        let record = try TestEvents.validate(Self.ttBottom)
        #expect(record.source == .tiktok)
        #expect(record.eventType == "purchase")
        #expect(record.funnelStage == .bottom)
        #expect(record.userId == "t2")
        #expect(record.followers == 0)
        #expect(record.amount == "19.50")
        #expect(record.device == nil)
        #expect(record.country == nil)
    }

    @Test func acceptsNullableFieldsAbsentOrNull() throws {
        _ = try TestEvents.validate(TestEvents.editing(Self.fbTop, "data.engagement.videoId", to: nil))
        _ = try TestEvents.validate(TestEvents.editing(Self.fbTop, "data.engagement.videoId", to: #""v9""#))
        var json = TestEvents.editing(Self.ttBottom, "data.engagement.profileId", to: nil)
        json = TestEvents.editing(json, "data.engagement.purchasedItem", to: "null")
        json = TestEvents.editing(json, "data.engagement.purchaseAmount", to: nil)
        #expect(try TestEvents.validate(json).amount == nil)
    }

    @Test func ignoresUnknownFields() throws {
        var json = TestEvents.editing(Self.fbBottom, "extra", to: #"{"nested":[1,2]}"#)
        json = TestEvents.editing(json, "data.user.nickname", to: #""x""#)
        json = TestEvents.editing(json, "data.engagement.sessionId", to: "42")
        json = TestEvents.editing(json, "data.context", to: "null")
        #expect(try TestEvents.validate(json).amount == "129.99")
    }

    @Test func acceptsAnEventIdOf128Characters() throws {
        let eventId = String(repeating: "ї", count: 128)
        let record = try TestEvents.validate(TestEvents.editing(Self.fbTop, "eventId", to: "\"\(eventId)\""))
        #expect(record.eventId == eventId)
        let escaped = "\"" + String(repeating: "\\u0457", count: 128) + "\""
        #expect(try TestEvents.validate(TestEvents.editing(Self.fbTop, "eventId", to: escaped)).eventId == eventId)
    }

    @Test func readsEscapedEnumValues() throws {
        let json = Self.fbTop.replacingOccurrences(of: #""source":"facebook""#, with: #""source":"faceb\u006Fok""#)
        #expect(try TestEvents.validate(json).source == .facebook)
    }

    @Test func collectorsDecodePublishedBytes() throws {
        let record = try EventRecord(decoding: Array(Self.ttBottom.utf8), format: EventFormat(source: .tiktok))
        #expect(record == (try TestEvents.validate(Self.ttBottom)))
        #expect(throws: EventDecodingError.self) { try EventRecord(decoding: Array("{".utf8), format: .social) }
        do {
            _ = try EventRecord(decoding: Array(#"{"eventId":""}"#.utf8), format: .social)
        } catch {
            #expect(error.description == Self.eventIdRule)
        }
    }
}
