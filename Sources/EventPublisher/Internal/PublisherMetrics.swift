import Metrics
import Synchronization

/// The publisher metrics of the platform contract (section 6), created once per label set.
final class PublisherMetrics: Sendable {
    private struct TopicMetrics {
        let enqueued: Counter
        let delivered: Counter
        let failed: Counter
    }

    private let topics = Mutex<[String: TopicMetrics]>([:])
    private let flushes: [BatchPolicy.FlushReason: Counter]
    let pendingEvents = Gauge(label: "publisher_pending_events")
    let batchSize = Recorder(label: "publisher_batch_size", aggregate: true)
    let deliveryLatency = Metrics.Timer(label: "publisher_delivery_latency_seconds")

    init() {
        flushes = Dictionary(uniqueKeysWithValues: BatchPolicy.FlushReason.allCases.map {
            ($0, Counter(label: "publisher_flushes_total", dimensions: [("reason", $0.rawValue)]))
        })
    }

    func enqueued(_ count: Int, topic: String) {
        metrics(for: topic).enqueued.increment(by: Int64(count))
    }

    func flushed(_ count: Int, reason: BatchPolicy.FlushReason) {
        flushes[reason]?.increment()
        batchSize.record(count)
    }

    func completed(delivered: Int, failed: Int, topic: String) {
        let metrics = metrics(for: topic)
        if delivered > 0 { metrics.delivered.increment(by: Int64(delivered)) }
        if failed > 0 { metrics.failed.increment(by: Int64(failed)) }
    }

    private func metrics(for topic: String) -> TopicMetrics {
        topics.withLock { topics in
            if let metrics = topics[topic] { return metrics }
            let dimensions = [("topic", topic)]
            let metrics = TopicMetrics(
                enqueued: Counter(label: "publisher_events_enqueued_total", dimensions: dimensions),
                delivered: Counter(label: "publisher_events_delivered_total", dimensions: dimensions),
                failed: Counter(label: "publisher_delivery_errors_total", dimensions: dimensions)
            )
            topics[topic] = metrics
            return metrics
        }
    }
}
