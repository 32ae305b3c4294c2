import EventModel
import Metrics
import Synchronization

/// The gateway metrics of the platform contract (section 6). Metric objects are created once per label
/// set and kept: label values come from small closed sets (routes, statuses, sources, reasons).
final class GatewayMetrics: Sendable {
    /// Why events were not accepted: the `reason` label of `gateway_events_rejected_total`.
    enum RejectionReason: String, Sendable, CaseIterable {
        /// The event breaks a rule of contract section 1.
        case validation
        /// The event's source has a secret and the request was not signed with it.
        case signature
        /// Valid, but Kafka did not acknowledge the request's events (answered 503).
        case unavailable
        /// Kafka refused the event itself (e.g. larger than the topic's record limit): an invalid item.
        case refusedByKafka = "refused_by_kafka"
    }

    /// The `source` label of rejected events whose source could not be read.
    static let unknownSource = "unknown"

    private let factory: any MetricsFactory
    private let accepted: [EventSource: Counter]
    private let rejected: [String: [RejectionReason: Counter]]
    private let requests = Mutex<[RequestKey: Counter]>([:])
    private let durations = Mutex<[String: Metrics.Timer]>([:])
    /// `gateway_body_memory_bytes`: what request bodies hold of the ``BodyMemoryBudget`` now.
    let bodyMemory: Gauge

    private struct RequestKey: Hashable {
        let route: String
        let status: Int
    }

    init(factory: any MetricsFactory) {
        self.factory = factory
        bodyMemory = Gauge(label: "gateway_body_memory_bytes", factory: factory)
        accepted = Dictionary(uniqueKeysWithValues: EventSource.allCases.map { source in
            (source, Counter(label: "gateway_events_accepted_total", dimensions: [("source", source.rawValue)], factory: factory))
        })
        let sources = EventSource.allCases.map(\.rawValue) + [Self.unknownSource]
        rejected = Dictionary(uniqueKeysWithValues: sources.map { source in
            (source, Dictionary(uniqueKeysWithValues: RejectionReason.allCases.map { reason in
                (reason, Counter(
                    label: "gateway_events_rejected_total",
                    dimensions: [("source", source), ("reason", reason.rawValue)],
                    factory: factory
                ))
            }))
        })
    }

    func accepted(_ count: Int, source: EventSource) {
        guard count > 0 else { return }
        accepted[source]?.increment(by: Int64(count))
    }

    /// Counts `count` rejected events of `source` (nil: unreadable).
    func rejected(_ count: Int, source: EventSource?, reason: RejectionReason) {
        guard count > 0 else { return }
        rejected[source?.rawValue ?? Self.unknownSource]?[reason]?.increment(by: Int64(count))
    }

    /// Counts one answered request and how long it took. `route` is the route's path pattern, never the
    /// request's own path, so the label set stays small.
    func request(route: String, status: Int, duration: Duration) {
        let key = RequestKey(route: route, status: status)
        let counter = requests.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "gateway_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
        let timer = durations.withLock { timers in
            if let timer = timers[route] { return timer }
            let timer = Metrics.Timer(label: "gateway_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            timers[route] = timer
            return timer
        }
        let (seconds, attoseconds) = duration.components
        timer.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
