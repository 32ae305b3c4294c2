import EventModel
import HTTPService

/// The answer to an event request that was read (contract section 2): 202 when some event was accepted,
/// 400 when none was.
///
/// `{ "accepted": N, "rejected": M, "duplicates": D, "errors": [ { "index": i, "eventId": "...", "error": "..." } ] }`
struct IngestSummary: Sendable, Hashable {
    /// At most this many entries of `errors` are listed; `rejected` counts them all.
    static let maximumListedErrors = 1_000

    var accepted: Int
    var rejected: Int
    var duplicates: Int
    /// The first ``maximumListedErrors`` rejections, in request order.
    var errors: [EventRejection]

    /// A summary listing the first of `rejections` (given in request order).
    init(accepted: Int, duplicates: Int, rejections: [EventRejection]) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.rejected = rejections.count
        self.errors = Array(rejections.prefix(Self.maximumListedErrors))
    }

    /// The JSON body, written by hand: on the hot path, and the same for 50,000-event answers.
    var json: [UInt8] {
        var writer = JSONWriter(capacity: 64 + errors.count * 96)
        writer.appendRaw(#"{"accepted":"#)
        writer.appendInteger(accepted)
        writer.appendRaw(#","rejected":"#)
        writer.appendInteger(rejected)
        writer.appendRaw(#","duplicates":"#)
        writer.appendInteger(duplicates)
        writer.appendRaw(#","errors":["#)
        for (position, rejection) in errors.enumerated() {
            if position > 0 { writer.appendRaw(",") }
            writer.appendRaw(#"{"index":"#)
            writer.appendInteger(rejection.index)
            if let eventId = rejection.eventId {
                writer.appendRaw(#","eventId":"#)
                writer.appendString(eventId)
            }
            writer.appendRaw(#","error":"#)
            writer.appendString(rejection.error.message)
            writer.appendRaw("}")
        }
        writer.appendRaw("]}")
        return writer.bytes
    }
}
