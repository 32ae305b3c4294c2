import EventModel

/// What `up` prints once the gateway serves: the URLs and example requests.
struct Welcome: Sendable {
    var gatewayURL: String
    var reporterURL: String
    var autoscalerURL: String
    /// The local Prometheus that `scripts/infra.sh` runs, if any.
    var prometheusURL: String?
    var collectorPortBase: Int
    var databaseURL: String

    func print() {
        // The sample traffic's events fall in the 28 days before today (``SampleEventFactory``).
        let today = UTCCalendar.today()
        let (first, last, week) = (UTCCalendar.dateText(ofDay: today - 28), UTCCalendar.dateText(ofDay: today - 1),
                                   UTCCalendar.dateText(ofDay: today - 7))
        let collectors = collectorPortBase == 0
            ? "free ports (see the log lines)"
            : "http://127.0.0.1:\(collectorPortBase)/metrics (facebook), :\(collectorPortBase + 1) (tiktok), :\(collectorPortBase + 2) (app); more instances on free ports"
        let prometheus = prometheusURL.map { url in
            """
              prometheus  \(url)   (alerts: /alerts; Grafana dashboards in dashboards/, see docs/observability.md)

            Queries worth trying in Prometheus (\(url)/graph):
              sum by (source) (rate(gateway_events_accepted_total[1m]))
              histogram_quantile(0.95, sum by (le) (rate(collector_event_delay_seconds_bucket[1m])))
              sum by (group) (kafka_consumergroup_lag_total)

            """
        } ?? ""
        Swift.print("""

        eventplatform is up
          gateway     \(gatewayURL)   (POST /webhook/events, /webhook/events/bulk, /events; /health/ready; /metrics)
          reporter    \(reporterURL)   (/reports/events, /reports/revenue, /reports/demographics, /reports/funnel, /stats/dau, /stats/top-events, /stats/retention, /openapi.yaml)
          autoscaler  \(autoscalerURL)/metrics   (lag, lag seconds, group status, desired and running collectors per group)
          collectors  \(collectors)
          database    \(databaseURL)
        \(prometheus)
        Reports over the sample traffic (its events fall in the 28 days before today, \(first) to \(last)):
          curl -s '\(reporterURL)/reports/events?from=\(first)&to=\(last)&groupBy=source'
          curl -s '\(reporterURL)/reports/revenue?from=\(first)T06:30:00Z&to=\(last)T18:00:00Z&groupBy=source'
          curl -s '\(reporterURL)/stats/dau?from=\(week)&to=\(last)&segment=country:UA'
        Lag and scaling:
          eventplatform lag --watch
          curl -s \(autoscalerURL)/metrics | grep -E '^(kafka_consumergroup_lag_total|autoscaler_replicas)'
        Post an event:
          curl -s -X POST \(gatewayURL)/events -H 'content-type: application/json' \\
            -d '{"events":[{"event_id":"123e4567-e89b-12d3-a456-426614174000","occurred_at":"\(last)T12:00:00Z","user_id":"user_123","event_type":"page_view","properties":{"country":"UA"}}]}'

        """)
    }
}
