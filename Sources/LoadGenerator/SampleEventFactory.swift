public import EventModel
import Foundation

/// One generated event: its JSON bytes in the contract's shape and what the generator knows of it.
public struct SampleEvent: Sendable {
    public var source: EventSource
    public var eventId: String
    public var userId: String
    /// The exact decimal amount it carries, if any (revenue).
    public var amount: String?
    /// False for events made invalid on purpose (the invalid share).
    public var isValid: Bool
    public var json: [UInt8]
}

/// Generates realistic events of contract section 1: Facebook and TikTok webhook events of both funnel
/// stages and generic product events, from a pool of repeat users, with purchases, over a time range.
///
/// Deterministic for a seed, so a benchmark or a test can generate the same data twice.
public struct SampleEventFactory: Sendable {
    public struct Settings: Sendable, Hashable {
        /// Distinct users per source; events pick users from this pool, so users repeat.
        public var usersPerSource: Int = 10_000
        /// Share of events made invalid on purpose (0...1).
        public var invalidShare: Double = 0
        /// Share of bottom-stage events that carry a purchase amount.
        public var purchaseShare: Double = 0.3
        /// Event times are spread over this many days ending at `endEpochSeconds`.
        public var days: Int = 28
        /// The end of the event times: by default the start of the current UTC day, so that sample traffic
        /// looks like recent traffic and stays within the collectors' raw-event retention (a fixed window
        /// aged out of it: its oldest days' partitions were dropped while the aggregates kept counting them).
        public var endEpochSeconds: Int64 = UTCCalendar.today() * 86_400
        public var seed: UInt64 = 42

        public init() {}
    }

    private var random: SplitMix64
    private let settings: Settings
    private var sequence: UInt64 = 0

    public init(settings: Settings = Settings()) {
        self.settings = settings
        self.random = SplitMix64(seed: settings.seed)
    }

    /// The next event of `source` (a random source when nil).
    public mutating func next(source: EventSource? = nil) -> SampleEvent {
        sequence += 1
        let source = source ?? [EventSource.facebook, .tiktok, .app][Int(random.next() % 3)]
        var event = switch source {
        case .facebook: facebookEvent()
        case .tiktok: tiktokEvent()
        case .app: productEvent()
        }
        if settings.invalidShare > 0, Double(random.next() % 1_000_000) / 1_000_000 < settings.invalidShare {
            event = spoiled(event)
        }
        return event
    }

    // MARK: Shapes

    private mutating func facebookEvent() -> SampleEvent {
        let bottom = random.next() % 3 == 0
        let type = bottom ? pick(["ad.click", "form.submission", "checkout.complete"]) : pick(["ad.view", "page.like", "comment", "video.view"])
        let (user, number) = userID("fb")
        let (country, city) = Self.places[Int(number % 5)]
        let amount = bottom && (type == "checkout.complete" || chance(settings.purchaseShare)) ? self.amount() : nil
        let engagement = bottom
            ? #"{"adId":"ad_\#(random.next() % 500)","campaignId":"cmp_\#(random.next() % 20)","clickPosition":"\#(pick(["top_left", "bottom_right", "center"]))","device":"\#(pick(["mobile", "desktop"]))","browser":"\#(pick(["Chrome", "Firefox", "Safari"]))","purchaseAmount":\#(amount.map { "\"\($0)\"" } ?? "null")}"#
            : #"{"actionTime":"\#(timestamp())","referrer":"\#(pick(["newsfeed", "marketplace", "groups"]))","videoId":\#(chance(0.5) ? "\"vid_\(random.next() % 1000)\"" : "null")}"#
        let id = eventID()
        let json = #"{"eventId":"\#(id)","timestamp":"\#(timestamp())","source":"facebook","funnelStage":"\#(bottom ? "bottom" : "top")","eventType":"\#(type)","data":{"user":{"userId":"\#(user)","name":"User \#(user)","age":\#(13 + number &* 7_919 % 60),"gender":"\#(["male", "female", "non-binary"][Int(number % 3)])","location":{"country":"\#(country)","city":"\#(city)"}},"engagement":\#(engagement)}}"#
        return SampleEvent(source: .facebook, eventId: id, userId: user, amount: amount, isValid: true, json: Array(json.utf8))
    }

    private mutating func tiktokEvent() -> SampleEvent {
        let bottom = random.next() % 3 == 0
        let type = bottom ? pick(["profile.visit", "purchase", "follow"]) : pick(["video.view", "like", "share", "comment"])
        let (user, number) = userID("tt")
        let amount = bottom && (type == "purchase" || chance(settings.purchaseShare / 3)) ? self.amount() : nil
        let engagement = bottom
            ? #"{"actionTime":"\#(timestamp())","profileId":\#(chance(0.7) ? "\"prof_\(random.next() % 300)\"" : "null"),"purchasedItem":\#(amount != nil ? "\"item_\(random.next() % 50)\"" : "null"),"purchaseAmount":\#(amount.map { "\"\($0)\"" } ?? "null")}"#
            : #"{"watchTime":\#(random.next() % 600),"percentageWatched":\#(Double(random.next() % 1001) / 10),"device":"\#(pick(["Android", "iOS", "Desktop"]))","country":"\#(Self.places[Int(number % 5)].country)","videoId":"vid_\#(random.next() % 1000)"}"#
        let id = eventID()
        let json = #"{"eventId":"\#(id)","timestamp":"\#(timestamp())","source":"tiktok","funnelStage":"\#(bottom ? "bottom" : "top")","eventType":"\#(type)","data":{"user":{"userId":"\#(user)","username":"creator_\#(user)","followers":\#(number &* 2_654_435_761 % 2_000_000)},"engagement":\#(engagement)}}"#
        return SampleEvent(source: .tiktok, eventId: id, userId: user, amount: amount, isValid: true, json: Array(json.utf8))
    }

    private mutating func productEvent() -> SampleEvent {
        let (user, number) = userID("app")
        let type = pick(["page_view", "signup", "add_to_cart", "purchase", "search"])
        let amount = type == "purchase" ? self.amount() : nil
        let amountField = amount.map { #","amount":"\#($0)""# } ?? ""
        let id = uuid()
        let json = #"{"event_id":"\#(id)","occurred_at":"\#(timestamp())","user_id":"\#(user)","event_type":"\#(type)","properties":{"page":"/\#(pick(["home", "pricing", "docs", "checkout"]))","country":"\#(Self.places[Int(number % 5)].country)","device":"\#(pick(["mobile", "desktop"]))"\#(amountField)}}"#
        return SampleEvent(source: .app, eventId: id, userId: user, amount: amount, isValid: true, json: Array(json.utf8))
    }

    /// Breaks one rule of the contract, so the event must be rejected.
    private mutating func spoiled(_ event: SampleEvent) -> SampleEvent {
        var event = event
        var text = String(decoding: event.json, as: UTF8.self)
        switch event.source {
        case .facebook: text = text.replacingFirst(#""gender":""#, with: #""gender":"unknown"#)
        case .tiktok: text = text.replacingFirst(#""followers":"#, with: #""followers":-"#)
        case .app: text = text.replacingFirst(#""user_id":""#, with: #""user_id":"","was":""#)
        }
        event.json = Array(text.utf8)
        event.isValid = false
        event.amount = nil
        return event
    }

    // MARK: Values

    /// A user of the pool and their number; what describes a person (age, gender, place, followers) is
    /// derived from the number, so a repeat user looks the same every time, as real users do.
    private mutating func userID(_ prefix: String) -> (id: String, number: UInt64) {
        let number = random.next() % UInt64(max(1, settings.usersPerSource))
        return ("\(prefix)_user_\(number)", number)
    }

    private static let places: [(country: String, city: String)] = [("US", "New York"), ("UA", "Kyiv"), ("DE", "Berlin"), ("BR", "Sao Paulo"), ("IN", "Mumbai")]

    private mutating func eventID() -> String { "evt_\(settings.seed)_\(sequence)_\(random.next() % 1_000_000)" }

    private mutating func uuid() -> String {
        let high = random.next(), low = random.next()
        let hex = String(high, radix: 16).leftPadded(to: 16) + String(low, radix: 16).leftPadded(to: 16)
        let chars = Array(hex)
        return "\(String(chars[0..<8]))-\(String(chars[8..<12]))-4\(String(chars[13..<16]))-a\(String(chars[17..<20]))-\(String(chars[20..<32]))"
    }

    private mutating func amount() -> String { "\(1 + random.next() % 500).\(String(random.next() % 100).leftPadded(to: 2))" }

    private mutating func timestamp() -> String {
        let span = UInt64(settings.days) * 86_400
        let seconds = settings.endEpochSeconds - Int64(random.next() % span) - 1
        return Self.iso8601(epochSeconds: seconds, milliseconds: Int(random.next() % 1000))
    }

    /// `2025-01-15T12:00:00.123Z` for a UTC instant.
    static func iso8601(epochSeconds: Int64, milliseconds: Int) -> String {
        let day = UTCCalendar.day(ofMicroseconds: epochSeconds * 1_000_000)
        let secondOfDay = Int(epochSeconds - day * 86_400)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = String(milliseconds).leftPadded(to: 3)
        return "\(UTCCalendar.dateText(ofDay: day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)).\(millis)Z"
    }

    private mutating func chance(_ share: Double) -> Bool { Double(random.next() % 1_000_000) / 1_000_000 < share }

    private mutating func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
}

/// A small, fast, seedable generator (SplitMix64): reproducible data sets without Foundation.
struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }

    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
