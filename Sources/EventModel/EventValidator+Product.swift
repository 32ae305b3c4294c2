/// Section 1.2: generic product events of source `app`.
extension EventValidator {
    func productEvent(_ node: Node) throws(EventValidationError) -> EventRecord {
        let event = try eventScope(node)

        let eventIdNode = try required("event_id", in: event)
        guard let eventId = document.string(eventIdNode).flatMap(Self.canonicalUUID) else {
            throw .rule("event_id", "must be a UUID (8-4-4-4-12 hexadecimal digits)")
        }
        var record = EventRecord(
            source: .app,
            eventId: eventId,
            eventType: "",
            funnelStage: nil,
            occurredAt: try eventTime("occurred_at", in: event),
            userId: try nonEmptyString("user_id", in: event),
            byteRange: document.byteRange(of: node)
        )
        record.eventType = try nonEmptyString("event_type", in: event)

        guard let propertiesNode = nullable("properties", in: event) else { return record }
        guard document.kind(of: propertiesNode) == .object else { throw .rule("properties", "must be an object") }
        let properties = Scope(node: propertiesNode, parentPath: "", name: "properties")
        record.amount = try amount(in: properties)
        record.country = try nullableString("country", in: properties)
        record.device = try nullableString("device", in: properties)
        return record
    }

    /// `properties.amount`: a decimal string or a number, as exact decimal text. Properties are
    /// otherwise free-form, but an amount the platform cannot read would silently lose revenue, so
    /// it is an error rather than ignored.
    private func amount(in properties: Scope) throws(EventValidationError) -> String? {
        guard let node = nullable("amount", in: properties) else { return nil }
        switch document.kind(of: node) {
        case .string:
            if document.withUTF8(ofString: node, DecimalAmount.isDecimalString) == true, let text = document.string(node) {
                return try storable(amount: text, "amount", in: properties)
            }
        case .number:
            if let text = document.numberText(node).flatMap({ DecimalAmount.plainText(ofJSONNumber: $0) }) {
                return try storable(amount: text, "amount", in: properties)
            }
        default:
            break
        }
        throw .rule("properties.amount", "must be a non-negative decimal string or number")
    }

    /// `text` in lowercase when it is a UUID in the 8-4-4-4-12 hexadecimal form (any version).
    static func canonicalUUID(_ text: String) -> String? {
        let utf8 = text.utf8
        guard utf8.count == 36 else { return nil }
        for (offset, byte) in utf8.enumerated() {
            if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                guard byte == .minus else { return nil }
            } else {
                guard byte.hexValue != nil else { return nil }
            }
        }
        return text.lowercased()
    }
}
