internal import EventModel
internal import Metrics

/// The collector's metrics, named as contract section 6 says; created once per collector.
struct CollectorMetrics: Sendable {
    /// Events stored for the first time.
    let processed: Counter
    /// Events dropped because their (source, event id) was already stored.
    let duplicates: Counter
    /// Records published to the dead-letter topic.
    let deadLettered: Counter
    /// Partitions whose stored offset lay past the end of their log (topic recreated, broker restarted
    /// empty, log truncated), read again from the start of the log.
    let offsetsAheadOfLog: Counter
    /// Records per written batch.
    let batchSize: Recorder
    /// From a batch being taken in hand (decoding) to its offsets committed.
    let batchDuration: Metrics.Timer
    /// Per event handled, seconds from the Kafka record's timestamp (when the gateway or publisher
    /// produced it) to its batch being committed: the end-to-end delay a dashboard shows.
    let eventDelay: Recorder

    init(source: EventSource) {
        let dimensions = [("source", source.rawValue)]
        processed = Counter(label: "collector_events_processed_total", dimensions: dimensions)
        duplicates = Counter(label: "collector_events_duplicate_total", dimensions: dimensions)
        deadLettered = Counter(label: "collector_events_dead_lettered_total", dimensions: dimensions)
        offsetsAheadOfLog = Counter(label: "collector_offsets_ahead_of_log_total", dimensions: dimensions)
        batchSize = Recorder(label: "collector_batch_size", aggregate: true)
        batchDuration = Metrics.Timer(label: "collector_batch_duration_seconds")
        eventDelay = Recorder(label: "collector_event_delay_seconds", dimensions: dimensions, aggregate: true)
    }
}
