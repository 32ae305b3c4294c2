/// Section 1.1: Facebook and TikTok webhook events.
extension EventValidator {
    static let facebookEventTypes: [String: FunnelStage] = [
        "ad.view": .top, "page.like": .top, "comment": .top, "video.view": .top,
        "ad.click": .bottom, "form.submission": .bottom, "checkout.complete": .bottom,
    ]
    /// In the contract's order, for messages.
    static let facebookEventTypeNames = [
        "ad.view", "page.like", "comment", "video.view", "ad.click", "form.submission", "checkout.complete",
    ]
    static let tiktokEventTypes: [String: FunnelStage] = [
        "video.view": .top, "like": .top, "share": .top, "comment": .top,
        "profile.visit": .bottom, "purchase": .bottom, "follow": .bottom,
    ]
    static let tiktokEventTypeNames = ["video.view", "like", "share", "comment", "profile.visit", "purchase", "follow"]

    func socialEvent(_ node: Node) throws(EventValidationError) -> EventRecord {
        let event = try eventScope(node)

        let eventIdNode = try required("eventId", in: event)
        guard let eventIdLength = document.stringLength(eventIdNode),
            (1...Self.maximumEventIdLength).contains(eventIdLength), let eventId = document.string(eventIdNode)
        else {
            throw .rule("eventId", "must be a non-empty string of at most \(Self.maximumEventIdLength) characters")
        }
        _ = try storable(eventId, "eventId", in: event)
        let occurredAt = try eventTime("timestamp", in: event)
        let source: EventSource = try oneOf(["facebook", "tiktok"], "source", in: event) == "facebook" ? .facebook : .tiktok
        let funnelStage = FunnelStage(rawValue: try oneOf(["top", "bottom"], "funnelStage", in: event))!
        let (typeNames, typeStages) =
            source == .facebook
            ? (Self.facebookEventTypeNames, Self.facebookEventTypes)
            : (Self.tiktokEventTypeNames, Self.tiktokEventTypes)
        let eventType = try oneOf(typeNames, "eventType", in: event)
        let typeStage = typeStages[eventType]!
        guard typeStage == funnelStage else {
            throw EventValidationError(
                field: "funnelStage",
                message: "funnelStage '\(funnelStage.rawValue)' does not match eventType '\(eventType)' (\(typeStage.rawValue))"
            )
        }

        let data = try object("data", in: event)
        var record = EventRecord(
            source: source,
            eventId: eventId,
            eventType: eventType,
            funnelStage: funnelStage,
            occurredAt: occurredAt,
            userId: "",
            byteRange: document.byteRange(of: node)
        )
        switch source {
        case .facebook: try readFacebookData(data, stage: funnelStage, into: &record)
        default: try readTikTokData(data, stage: funnelStage, into: &record)
        }
        return record
    }

    private func readFacebookData(_ data: Scope, stage: FunnelStage, into record: inout EventRecord) throws(EventValidationError) {
        let user = try object("user", in: data)
        record.userId = try nonEmptyString("userId", in: user)
        try checkString("name", in: user)
        record.age = try nonNegativeInteger("age", in: user, maximum: StorabilityRule.maximumInteger)
        record.gender = try oneOf(["male", "female", "non-binary"], "gender", in: user)
        let location = try object("location", in: user)
        record.country = try string("country", in: location)
        record.city = try string("city", in: location)

        let engagement = try object("engagement", in: data)
        switch stage {
        case .top:
            _ = try dateTime("actionTime", in: engagement)
            _ = try oneOf(["newsfeed", "marketplace", "groups"], "referrer", in: engagement)
            try checkNullableString("videoId", in: engagement)
        case .bottom:
            try checkString("adId", in: engagement)
            record.campaignId = try string("campaignId", in: engagement)
            _ = try oneOf(["top_left", "bottom_right", "center"], "clickPosition", in: engagement)
            record.device = try oneOf(["mobile", "desktop"], "device", in: engagement)
            _ = try oneOf(["Chrome", "Firefox", "Safari"], "browser", in: engagement)
            record.amount = try nullableDecimalString("purchaseAmount", in: engagement)
        }
    }

    private func readTikTokData(_ data: Scope, stage: FunnelStage, into record: inout EventRecord) throws(EventValidationError) {
        let user = try object("user", in: data)
        record.userId = try nonEmptyString("userId", in: user)
        try checkString("username", in: user)
        record.followers = try nonNegativeInteger("followers", in: user)

        let engagement = try object("engagement", in: data)
        switch stage {
        case .top:
            _ = try number("watchTime", in: engagement, within: 0...Double.greatestFiniteMagnitude, rule: "must be a number >= 0")
            _ = try number("percentageWatched", in: engagement, within: 0...100, rule: "must be between 0 and 100")
            record.device = try oneOf(["Android", "iOS", "Desktop"], "device", in: engagement)
            record.country = try string("country", in: engagement)
            try checkString("videoId", in: engagement)
        case .bottom:
            _ = try dateTime("actionTime", in: engagement)
            try checkNullableString("profileId", in: engagement)
            try checkNullableString("purchasedItem", in: engagement)
            record.amount = try nullableDecimalString("purchaseAmount", in: engagement)
        }
    }
}
