import EventModel
import Foundation

/// Valid events of every shape of the contract, and edits of them, for the validation tests.
enum TestEvents {
    static let facebookTop = """
        {"eventId":"fb-1","timestamp":"2025-01-15T12:00:00Z","source":"facebook","funnelStage":"top",\
        "eventType":"ad.view","data":{"user":{"userId":"u1","name":"Olena","age":31,"gender":"female",\
        "location":{"country":"UA","city":"Kyiv"}},"engagement":{"actionTime":"2025-01-15T11:59:58Z",\
        "referrer":"newsfeed","videoId":null}}}
        """
    static let facebookBottom = """
        {"eventId":"fb-2","timestamp":"2025-01-15T12:00:00.250+02:00","source":"facebook",\
        "funnelStage":"bottom","eventType":"checkout.complete","data":{"user":{"userId":"u2","name":"Ann",\
        "age":0,"gender":"non-binary","location":{"country":"PL","city":"Kraków"}},"engagement":\
        {"adId":"ad-9","campaignId":"cmp-7","clickPosition":"center","device":"desktop","browser":"Firefox",\
        "purchaseAmount":"129.99"}}}
        """
    static let tiktokTop = """
        {"eventId":"tt-1","timestamp":"2025-01-15T12:00:00-05:30","source":"tiktok","funnelStage":"top",\
        "eventType":"video.view","data":{"user":{"userId":"t1","username":"dancer","followers":15000},\
        "engagement":{"watchTime":12.5,"percentageWatched":100,"device":"iOS","country":"US","videoId":"v1"}}}
        """
    static let tiktokBottom = """
        {"eventId":"tt-2","timestamp":"2025-01-15T12:00:00Z","source":"tiktok","funnelStage":"bottom",\
        "eventType":"purchase","data":{"user":{"userId":"t2","username":"buyer","followers":0},\
        "engagement":{"actionTime":"2025-01-15T12:00:00Z","profileId":null,"purchasedItem":"hat",\
        "purchaseAmount":"19.50"}}}
        """
    static let product = """
        {"event_id":"123e4567-e89b-12d3-a456-426614174000","occurred_at":"2025-01-15T12:00:00Z",\
        "user_id":"user_123","event_type":"page_view","properties":{"page":"/home","country":"UA",\
        "device":"mobile"}}
        """

    /// `json` with the value at the dotted `path` replaced by the JSON text `value` (spliced in as
    /// written, so `1.50e1` stays `1.50e1`), or removed when `value` is nil.
    static func editing(_ json: String, _ path: String, to value: String?) -> String {
        let placeholder = "@@value@@"
        var object = try! JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        set(&object, path.split(separator: ".").map(String.init), value.map { _ in placeholder })
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        let edited = String(decoding: data, as: UTF8.self)
        return value.map { edited.replacingOccurrences(of: "\"\(placeholder)\"", with: $0) } ?? edited
    }

    private static func set(_ object: inout [String: Any], _ path: [String], _ value: Any?) {
        guard path.count > 1 else {
            object[path[0]] = value
            return
        }
        var child = object[path[0]] as? [String: Any] ?? [:]
        set(&child, Array(path.dropFirst()), value)
        object[path[0]] = child
    }

    static func validate(
        _ json: String, format: EventFormat = .social, rule: StorabilityRule = StorabilityRule()
    ) throws(EventValidationError) -> EventRecord {
        let document = try! JSONDocument.parse(Array(json.utf8))
        return try EventRecord(validating: document.root, in: document, format: format, rule: rule)
    }

    /// The message of the first rule `json` breaks, or nil when it is valid.
    static func error(_ json: String, format: EventFormat = .social) -> String? {
        do {
            _ = try validate(json, format: format)
            return nil
        } catch {
            return error.message
        }
    }
}
