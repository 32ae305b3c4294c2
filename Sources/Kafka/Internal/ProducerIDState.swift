/// Where an idempotent producer stands with its producer id, read from librdkafka's statistics
/// (`statistics.interval.ms`; the `eos.idemp_state` field).
///
/// Until librdkafka has the id, every record it is handed waits for it. Its first attempt at start
/// usually finds no broker connected yet and retries 500 ms later, so a producer created a moment ago
/// holds its first records for half a second or more.
enum ProducerIDState: Equatable {
    /// The producer has its id (`Assigned`).
    case assigned
    /// Still getting it (`Init`, `RequestPID`, `WaitTransport`, `WaitPID`, …), or lost it (`Fatal`).
    case pending(String)
    /// The statistics carry no idempotence state: the producer is not idempotent.
    case notIdempotent

    /// The state in one statistics document (librdkafka's JSON, as `rd_kafka_event_stats` gives it).
    /// Finds the one field instead of parsing the document, which grows with the partitions.
    init(statistics json: String) {
        let bytes = Array(json.utf8)
        guard let keyEnd = Self.end(of: Array(#""idemp_state""#.utf8), in: bytes) else {
            self = .notIdempotent
            return
        }
        // `"idemp_state": "Assigned"`: the value is the next quoted string.
        let quote = UInt8(ascii: "\"")
        guard let open = bytes[keyEnd...].firstIndex(of: quote),
              let close = bytes[(open + 1)...].firstIndex(of: quote)
        else {
            self = .pending("unreadable")
            return
        }
        let state = String(decoding: bytes[(open + 1)..<close], as: UTF8.self)
        self = state == "Assigned" ? .assigned : .pending(state)
    }

    private static func end(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start + needle.count
        }
        return nil
    }
}
