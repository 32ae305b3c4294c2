#if canImport(Glibc)
// `stdout` is a C global that Swift 6 cannot prove safe; it is only configured once, before any output.
@preconcurrency import Glibc
#endif
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceSupport

/// Process-wide setup for the long-running roles: structured logs and the Prometheus registry.
/// Only the executable does this; libraries and services just use swift-log and swift-metrics.
enum ServiceBootstrap {
    /// The registry `/metrics` serves; every metric of the process lands here.
    static let registry = PrometheusCollectorRegistry()

    private static let once: Void = {
        lineBufferedOutput()
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let json = ProcessInfo.processInfo.environment["LOG_FORMAT"] == "json"
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, format: json ? .json : .text)
            handler.logLevel = level
            return handler
        }
        var factory = PrometheusMetricsFactory(registry: registry)
        // Batch sizes are counts, not seconds: buckets up to the collector's largest batches.
        factory.valueHistogramBuckets["collector_batch_size"] = [1, 10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000]
        factory.valueHistogramBuckets["publisher_batch_size"] = [1, 10, 50, 100, 250, 500, 1_000, 5_000]
        // End-to-end delays run from tens of milliseconds (caught up) to minutes (a backlog draining).
        factory.valueHistogramBuckets["collector_event_delay_seconds"] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1_800, 3_600]
        MetricsSystem.bootstrap(factory)
    }()

    /// Makes standard output line-buffered: progress lines must reach a log file or pipe as they happen,
    /// not when the buffer fills.
    static func lineBufferedOutput() {
        setvbuf(stdout, nil, _IOLBF, 0)
    }

    /// Bootstraps logging (level from `LOG_LEVEL`, default info; one JSON object per line with
    /// `LOG_FORMAT=json`) and metrics, once per process.
    static func start() {
        _ = once
    }

    /// The process environment, for typed settings.
    static var environment: EnvironmentReader { EnvironmentReader(ProcessInfo.processInfo.environment) }
}
