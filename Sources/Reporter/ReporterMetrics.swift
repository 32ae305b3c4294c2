public import Metrics
import Synchronization

/// The reporter's metrics (platform contract, section 6): `reporter_requests_total{report,status}` and
/// `reporter_report_duration_seconds{report}`. Metric objects are made once per label set and kept.
public final class ReporterMetrics: Sendable {
    private let factory: any MetricsFactory
    private let requests = Mutex<[String: Counter]>([:])
    private let durations: [ReportRoute: Metrics.Timer]
    private let cacheHits: [ReportRoute: Counter]

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        var durations: [ReportRoute: Metrics.Timer] = [:]
        for route in ReportRoute.allCases {
            durations[route] = Metrics.Timer(
                label: "reporter_report_duration_seconds", dimensions: [("report", route.metricLabel)], factory: factory)
        }
        self.durations = durations
        var cacheHits: [ReportRoute: Counter] = [:]
        for route in ReportRoute.allCases {
            cacheHits[route] = Counter(label: "reporter_cache_hits_total", dimensions: [("report", route.metricLabel)], factory: factory)
        }
        self.cacheHits = cacheHits
    }

    /// Counts an answer served from the cache (`reporter_cache_hits_total{report}`, beside the contract's names).
    func recordCache(_ route: ReportRoute, hit: Bool) {
        if hit { cacheHits[route]?.increment() }
    }

    /// Counts one answer of `route` with HTTP status `status` and records how long it took.
    func record(_ route: ReportRoute, status: Int, duration: Duration) {
        let key = "\(route.metricLabel) \(status)"
        let counter = requests.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "reporter_requests_total", dimensions: [("report", route.metricLabel), ("status", String(status))],
                factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
        let (seconds, attoseconds) = duration.components
        durations[route]?.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
