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
        let bytes = json.utf8
        guard let key = bytes.firstRange(of: #""idemp_state""#.utf8) else {
            self = .notIdempotent
            return
        }
        // `"idemp_state": "Assigned"`: the value is the next quoted string.
        let quote = UInt8(ascii: "\"")
        guard let open = bytes[key.upperBound...].firstIndex(of: quote),
              let close = bytes[bytes.index(after: open)...].firstIndex(of: quote)
        else {
            self = .pending("unreadable")
            return
        }
        let state = String(decoding: bytes[bytes.index(after: open)..<close], as: UTF8.self)
        self = state == "Assigned" ? .assigned : .pending(state)
    }
}
