#!/usr/bin/env python3
"""Writes the Grafana dashboards in dashboards/*.json (the files are committed; edit this script and run it
again rather than editing the JSON). `--check` exits 1 when a committed file differs from what this script
writes (scripts/check-observability.sh runs it).

Conventions (docs/observability.md): Grafana 11 schema (schemaVersion 41), a `DS_PROMETHEUS` datasource
variable and no `__inputs` (works with file provisioning, the sidecar and manual import), `timeseries`,
`stat` and `table` panels only, every panel with a unit, a description and thresholds where a value can be
good or bad. Metric names: contract section 6. Queries that count rare events (429, 503, 5xx, delivery
errors) read `X or 0 * <traffic of the same service>`: 0 when nothing bad happened, and no data at all when
the service exports nothing, so the live check (Tests/Observability) still notices a missing service.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "dashboards")
DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
RI = "$__rate_interval"

GREEN, YELLOW, ORANGE, RED, BLUE = "green", "yellow", "orange", "red", "blue"


def steps(*pairs, base=GREEN):
    """Thresholds: base colour, then (value, colour) pairs."""
    return {"mode": "absolute", "steps": [{"color": base, "value": None}] + [{"color": c, "value": v} for v, c in pairs]}


def target(expr, legend="", ref="A", instant=False, table=False):
    t = {"datasource": DS, "editorMode": "code", "expr": expr, "refId": ref}
    if legend:
        t["legendFormat"] = legend
    if instant or table:
        t["instant"] = True
        t["range"] = False
    else:
        t["range"] = True
    if table:
        t["format"] = "table"
    return t


def targets(*items, **kw):
    """targets((expr, legend), ...) with refIds A, B, C..."""
    return [target(e, l, chr(ord("A") + i), **kw) for i, (e, l) in enumerate(items)]


def or_zero(expr, traffic):
    """`expr`, or 0 where `traffic` (a series of the same service, same labels) exists but `expr` has none."""
    return f"({expr}) or (0 * {traffic})"


def ratio(part, whole):
    """part / whole, 0 (not empty) when part has no series but whole has."""
    return f"{or_zero(part, whole)} / {whole}"


class Board:
    def __init__(self, uid, title, description, tags, variables=()):
        self.uid, self.title, self.description, self.tags = uid, title, description, tags
        self.variables = list(variables)
        self.panels = []
        self.x = self.y = 0
        self.row_h = 0
        self.next_id = 1

    def _place(self, w, h):
        if self.x + w > 24:
            self.x, self.y = 0, self.y + self.row_h
            self.row_h = 0
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        return pos

    def _id(self):
        i = self.next_id
        self.next_id += 1
        return i

    def row(self, title):
        if self.x:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        self.panels.append({"type": "row", "id": self._id(), "title": title, "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def timeseries(self, title, description, tgts, unit, w=12, h=8, thresholds=None, threshold_line=False,
                   stack=False, minimum=0, maximum=None, decimals=None, overrides=(), calcs=("mean", "max", "lastNotNull"),
                   draw="line", fill=10):
        custom = {"drawStyle": draw, "lineWidth": 1, "fillOpacity": fill, "showPoints": "never", "spanNulls": False,
                  "axisPlacement": "auto", "axisSoftMin": 0 if minimum == 0 else None,
                  "stacking": {"mode": "normal" if stack else "none", "group": "A"},
                  "thresholdsStyle": {"mode": "line+area" if threshold_line else "off"}}
        custom = {k: v for k, v in custom.items() if v is not None}
        defaults = {"unit": unit, "custom": custom, "color": {"mode": "palette-classic"},
                    "thresholds": thresholds or steps()}
        if maximum is not None:
            defaults["max"] = maximum
        if decimals is not None:
            defaults["decimals"] = decimals
        self.panels.append({
            "type": "timeseries", "id": self._id(), "title": title, "description": description,
            "datasource": DS, "gridPos": self._place(w, h), "targets": tgts,
            "fieldConfig": {"defaults": defaults, "overrides": list(overrides)},
            "options": {"legend": {"displayMode": "table" if calcs else "list", "placement": "bottom",
                                   "showLegend": True, "calcs": list(calcs)},
                        "tooltip": {"mode": "multi", "sort": "desc"}},
        })

    def stat(self, title, description, tgts, unit, thresholds, w=4, h=4, graph=True, decimals=None,
             mappings=(), color_mode="background", text_mode="auto", reduce="lastNotNull"):
        defaults = {"unit": unit, "thresholds": thresholds, "color": {"mode": "thresholds"},
                    "mappings": list(mappings)}
        if decimals is not None:
            defaults["decimals"] = decimals
        self.panels.append({
            "type": "stat", "id": self._id(), "title": title, "description": description,
            "datasource": DS, "gridPos": self._place(w, h), "targets": tgts,
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"reduceOptions": {"calcs": [reduce], "fields": "", "values": False},
                        "graphMode": "area" if graph else "none", "colorMode": color_mode,
                        "justifyMode": "auto", "textMode": text_mode, "orientation": "auto",
                        "wideLayout": True, "showPercentChange": False},
        })

    def table(self, title, description, tgts, unit="short", w=12, h=8, thresholds=None, rename=None,
              exclude=("Time",), overrides=(), sort=None):
        organize = {"excludeByName": {k: True for k in exclude}, "renameByName": rename or {},
                    "indexByName": {}}
        transformations = [{"id": "merge", "options": {}}, {"id": "organize", "options": organize}]
        options = {"showHeader": True, "cellHeight": "sm",
                   "footer": {"show": False, "reducer": ["sum"], "countRows": False, "fields": []}}
        if sort:
            options["sortBy"] = [{"displayName": sort, "desc": True}]
        self.panels.append({
            "type": "table", "id": self._id(), "title": title, "description": description,
            "datasource": DS, "gridPos": self._place(w, h), "targets": tgts,
            "transformations": transformations,
            "fieldConfig": {"defaults": {"unit": unit, "thresholds": thresholds or steps(),
                                         "custom": {"align": "auto"}},
                            "overrides": list(overrides)},
            "options": options,
        })

    def json(self):
        templating = [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "query": "prometheus",
                       "current": {"text": "Prometheus", "value": "prometheus"}, "hide": 0, "refresh": 1,
                       "options": [], "regex": "", "skipUrlSync": False}]
        for v in self.variables:
            templating.append(v)
        return {
            "uid": self.uid, "title": self.title, "description": self.description, "tags": self.tags,
            "editable": True, "graphTooltip": 1, "timezone": "browser", "schemaVersion": 41, "version": 1,
            "refresh": "10s", "time": {"from": "now-30m", "to": "now"}, "fiscalYearStartMonth": 0,
            "liveNow": False, "weekStart": "",
            "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                      "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                                      "name": "Annotations & Alerts", "type": "dashboard"}]},
            "links": [{"title": "Event platform", "type": "dashboards", "tags": ["eventplatform"], "asDropdown": True,
                       "icon": "external link", "tooltip": "", "url": "", "targetBlank": False, "includeVars": False,
                       "keepTime": True}],
            "templating": {"list": templating},
            "panels": self.panels,
        }


def query_var(name, label, query, description, all_value=".*"):
    return {"name": name, "label": label, "type": "query", "datasource": DS, "description": description,
            "query": query, "refresh": 2, "sort": 1, "multi": True, "includeAll": True, "allValue": all_value,
            "current": {"text": ["All"], "value": ["$__all"]}, "options": [], "regex": "", "hide": 0,
            "skipUrlSync": False}


def quantiles(metric, by="", qs=(0.5, 0.95, 0.99), selector="", legend_prefix=""):
    grp = f"le, {by}" if by else "le"
    prefix = legend_prefix or (f"{{{{{by}}}}} " if by else "")
    return [(f"histogram_quantile({q}, sum by ({grp}) (rate({metric}_bucket{selector}[{RI}])))", f"{prefix}p{int(q * 100)}")
            for q in qs]


# ------------------------------------------------------------------------------------------------------------
# Shared expressions
ACCEPTED = f"sum(rate(gateway_events_accepted_total[{RI}]))"
REJECTED = f"sum(rate(gateway_events_rejected_total[{RI}]))"
GW_REQ = f"sum(rate(gateway_requests_total[{RI}]))"
REP_REQ = f"sum(rate(reporter_requests_total[{RI}]))"
STORED = f"sum(rate(collector_events_processed_total[{RI}]))"
EVENTS_PER_S = "suffix: ev/s"

# ------------------------------------------------------------------------------------------------------------
def overview():
    b = Board("eventplatform-overview", "Event platform / Overview",
              "What a user opens first: events in and stored per second, end-to-end delay, consumer lag, collector "
              "replicas and error rates. Details: the Gateway & publisher, Collectors & scaling, Reports and "
              "PostgreSQL dashboards.",
              ["eventplatform"])
    b.row("Now")
    b.stat("Events in", "Events the gateway accepted per second (all sources), after Kafka acknowledged them.",
           targets((ACCEPTED, "")), EVENTS_PER_S, steps(base=BLUE), decimals=1)
    b.stat("Rejected", "Share of events the gateway refused as invalid (the sample traffic sends 2% invalid on purpose).",
           targets((f"({or_zero(REJECTED, ACCEPTED)}) / ({ACCEPTED} + {or_zero(REJECTED, ACCEPTED)})", "")),
           "percentunit", steps((0.05, YELLOW), (0.2, RED)), decimals=1)
    b.stat("End-to-end delay p95", "95th percentile of stored time minus the Kafka record's timestamp, over all sources "
           "(collector_event_delay_seconds).",
           targets((f"histogram_quantile(0.95, sum by (le) (rate(collector_event_delay_seconds_bucket[{RI}])))", "")),
           "s", steps((5, YELLOW), (60, RED)), decimals=2)
    b.stat("Consumer lag", "Records produced but not yet stored, summed over the collector groups.",
           targets(("sum(kafka_consumergroup_lag_total)", "")), "short", steps((10000, YELLOW), (100000, RED)))
    b.stat("Lag in seconds (worst group)", "Estimated age of the oldest unconsumed record in the worst group.",
           targets(("max(kafka_consumergroup_lag_seconds)", "")), "s", steps((30, YELLOW), (120, RED)), decimals=1)
    b.stat("Gateway 5xx", "Share of gateway responses with a 5xx status (503: Kafka down or the publisher buffer full).",
           targets((ratio(f'sum(rate(gateway_requests_total{{status=~"5.."}}[{RI}]))', GW_REQ), "")),
           "percentunit", steps((0.01, YELLOW), (0.05, RED)), decimals=2)

    b.row("Flow")
    b.timeseries("Events in by source", "Events accepted (acknowledged by Kafka) and rejected per second, per source.",
                 targets((f"sum by (source) (rate(gateway_events_accepted_total[{RI}]))", "{{source}} accepted"),
                         (or_zero(f"sum by (source) (rate(gateway_events_rejected_total[{RI}]))",
                                  f"sum by (source) (rate(gateway_events_accepted_total[{RI}]))"), "{{source}} rejected")),
                 EVENTS_PER_S, w=8)
    b.timeseries("Events stored by source", "Events the collectors stored in PostgreSQL per second; duplicates "
                 "(already stored, skipped) and dead letters (sent to events.dlq) per source.",
                 targets((f"sum by (source) (rate(collector_events_processed_total[{RI}]))", "{{source}} stored"),
                         (f"sum by (source) (rate(collector_events_duplicate_total[{RI}]))", "{{source}} duplicate"),
                         (f"sum by (source) (rate(collector_events_dead_lettered_total[{RI}]))", "{{source}} dead-lettered")),
                 EVENTS_PER_S, w=8)
    b.timeseries("End-to-end delay", "From the Kafka record's timestamp (the gateway publishing it) to the collector's "
                 "commit in PostgreSQL: median, p95 and p99 over all sources.",
                 [target(e, l, chr(65 + i)) for i, (e, l) in enumerate(quantiles("collector_event_delay_seconds"))],
                 "s", w=8, thresholds=steps((5, YELLOW), (60, RED)), threshold_line=True)

    b.row("Lag and scaling")
    b.timeseries("Consumer lag per group", "Records behind the end of the log, per collector group "
                 "(kafka_consumergroup_lag_total, read by the autoscaler).",
                 targets(("sum by (group) (kafka_consumergroup_lag_total)", "{{group}}")), "short", w=8,
                 thresholds=steps((10000, YELLOW), (100000, RED)))
    b.timeseries("Lag in seconds per group", "How long ago the end of the log was where the group has committed: the "
                 "wait a new event sees before it is stored.",
                 targets(("max by (group) (kafka_consumergroup_lag_seconds)", "{{group}}")), "s", w=8,
                 thresholds=steps((30, YELLOW), (120, RED)), threshold_line=True)
    b.timeseries("Collector replicas", "Collector instances per group: running (solid) and what the autoscaler wants "
                 "(dashed).",
                 targets(("sum by (group) (autoscaler_replicas)", "{{group}} running"),
                         ("sum by (group) (autoscaler_desired_replicas)", "{{group}} desired")), "short", w=8,
                 decimals=0, fill=0,
                 overrides=[{"matcher": {"id": "byRegexp", "options": ".*desired"},
                             "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}]}])

    b.row("Errors")
    b.timeseries("Gateway responses by status", "HTTP responses of the gateway per second, by status code.",
                 targets((f"sum by (status) (rate(gateway_requests_total[{RI}]))", "{{status}}")), "reqps", w=12,
                 stack=True)
    b.timeseries("Errors per second", "Everything that went wrong, per second: gateway 5xx responses, publisher delivery "
                 "errors (Kafka did not acknowledge), dead-lettered events, reporter 5xx responses. All 0 when healthy.",
                 targets((or_zero(f'sum(rate(gateway_requests_total{{status=~"5.."}}[{RI}]))', GW_REQ), "gateway 5xx"),
                         (f"sum(rate(publisher_delivery_errors_total[{RI}]))", "publisher delivery errors"),
                         (f"sum(rate(collector_events_dead_lettered_total[{RI}]))", "dead letters"),
                         (or_zero(f'sum(rate(reporter_requests_total{{status=~"5.."}}[{RI}]))', REP_REQ), "reporter 5xx")),
                 "cps", w=12, thresholds=steps((0.000001, RED)))
    return b


def gateway_publisher():
    b = Board("eventplatform-gateway-publisher", "Event platform / Gateway & publisher",
              "The HTTP ingestion gateway (requests, latency, 429/503/413, rejected events) and the publisher library "
              "inside it (batches, flushes, pending events, delivery latency and errors), after Strimzi's Kafka Bridge "
              "and Confluent's librdkafka dashboards.",
              ["eventplatform", "gateway", "kafka"],
              [query_var("route", "Route", "label_values(gateway_requests_total, route)", "Gateway routes")])
    sel = '{route=~"$route"}'
    req = f"sum(rate(gateway_requests_total{sel}[{RI}]))"
    b.row("Gateway")
    b.stat("Requests", "Gateway requests per second (selected routes).", targets((req, "")), "reqps", steps(base=BLUE),
           decimals=1)
    b.stat("Latency p99", "99th percentile of request duration, selected routes (includes waiting for Kafka's "
           "acknowledgement of every accepted event).",
           targets((f"histogram_quantile(0.99, sum by (le) (rate(gateway_request_duration_seconds_bucket{sel}[{RI}])))", "")),
           "s", steps((0.25, YELLOW), (1, RED)), decimals=3)
    b.stat("5xx ratio", "Share of responses with a 5xx status.",
           targets((ratio(f'sum(rate(gateway_requests_total{{route=~"$route",status=~"5.."}}[{RI}]))', req), "")),
           "percentunit", steps((0.01, YELLOW), (0.05, RED)), decimals=2)
    b.stat("Events accepted", "Events accepted per second, all sources.", targets((ACCEPTED, "")), EVENTS_PER_S,
           steps(base=BLUE), decimals=1)
    b.stat("Pending in publisher", "Events handed to the publisher and not yet acknowledged by Kafka (bounded by "
           "PUBLISHER_MAX_PENDING_EVENTS; full means 503s).",
           targets(("sum(publisher_pending_events)", "")), "short", steps((10000, YELLOW), (50000, RED)))
    b.stat("Delivery errors", "Events Kafka did not acknowledge, per second.",
           targets((f"sum(rate(publisher_delivery_errors_total[{RI}]))", "")), "cps", steps((0.000001, RED)), decimals=2)

    b.timeseries("Requests by route and status", "Gateway requests per second by route and HTTP status.",
                 targets((f"sum by (route, status) (rate(gateway_requests_total{sel}[{RI}]))", "{{route}} {{status}}")),
                 "reqps", w=12)
    b.timeseries("Request latency", "Median, p95 and p99 request duration per route.",
                 [target(e, l, chr(65 + i)) for i, (e, l) in
                  enumerate(quantiles("gateway_request_duration_seconds", "route", selector=sel))],
                 "s", w=12, thresholds=steps((0.25, YELLOW), (1, RED)))
    b.timeseries("Throttled, unavailable, too large", "429 (rate limit), 503 (Kafka down or publisher buffer full, "
                 "with Retry-After) and 413 (body over the size or event limit) responses per second.",
                 targets(*[(or_zero(f'sum(rate(gateway_requests_total{{route=~"$route",status="{s}"}}[{RI}]))', req), s)
                           for s in ("429", "503", "413")]),
                 "reqps", w=12, thresholds=steps((0.000001, RED)))
    b.timeseries("Rejected events by reason", "Events refused as invalid per second, by source and the rule they break.",
                 targets((or_zero(f"sum by (source, reason) (rate(gateway_events_rejected_total[{RI}]))", ACCEPTED),
                          "{{source}} {{reason}}")), EVENTS_PER_S, w=12)

    b.row("Publisher (librdkafka producer)")
    b.timeseries("Enqueued and delivered by topic", "Events handed to the publisher and events Kafka acknowledged, per "
                 "second and topic; the two lines meet when deliveries keep up.",
                 targets((f"sum by (topic) (rate(publisher_events_enqueued_total[{RI}]))", "{{topic}} enqueued"),
                         (f"sum by (topic) (rate(publisher_events_delivered_total[{RI}]))", "{{topic}} delivered")),
                 EVENTS_PER_S, w=12)
    b.timeseries("Pending events", "Events waiting for Kafka's acknowledgement (buffer occupancy).",
                 targets(("sum by (instance) (publisher_pending_events)", "{{instance}}")), "short", w=12,
                 thresholds=steps((10000, YELLOW), (50000, RED)))
    b.timeseries("Batch size", "Events per batch sent to Kafka: median, p95 and the mean.",
                 [target(e, l, chr(65 + i)) for i, (e, l) in enumerate(
                     quantiles("publisher_batch_size", qs=(0.5, 0.95))
                     + [(f"sum(rate(publisher_batch_size_sum[{RI}])) / sum(rate(publisher_batch_size_count[{RI}]))", "mean")])],
                 "short", w=8)
    b.timeseries("Flushes by reason", "Batches sent per second, by why: size reached, timeout, forced (flush()), shutdown.",
                 targets((f"sum by (reason) (rate(publisher_flushes_total[{RI}]))", "{{reason}}")), "ops", w=8, stack=True)
    b.timeseries("Delivery latency", "From enqueue to Kafka's acknowledgement: median, p95, p99.",
                 [target(e, l, chr(65 + i)) for i, (e, l) in enumerate(quantiles("publisher_delivery_latency_seconds"))],
                 "s", w=8, thresholds=steps((0.5, YELLOW), (2, RED)))
    b.timeseries("Delivery errors by topic", "Events Kafka did not acknowledge within the delivery timeout, per second "
                 "and topic (the publisher recovers by itself when the broker is back).",
                 targets((f"sum by (topic) (rate(publisher_delivery_errors_total[{RI}]))", "{{topic}}")), "cps", w=24,
                 h=6, thresholds=steps((0.000001, RED)), threshold_line=True)
    return b


# Events accepted per second for each group's topic: group = "collector-" + source (label_join, so no "$1"
# that Grafana would take for a variable).
PRODUCED_BY_GROUP = ('sum by (group) (label_join(label_replace(sum by (source) (rate(gateway_events_accepted_total[' + RI +
                     '])), "prefix", "collector", "", ""), "group", "-", "prefix", "source"))')


def collectors_scaling():
    b = Board("eventplatform-collectors-scaling", "Event platform / Collectors & scaling",
              "Consumer groups per source: events stored, duplicates and dead letters, batches, end-to-end delay, lag "
              "per partition and in seconds, group status, members, desired vs running replicas, restarts and "
              "saturation. After kafka-lag-exporter's, KMinion's and Strimzi's consumer group dashboards.",
              ["eventplatform", "collector", "kafka", "autoscaler"],
              [query_var("group", "Group", "label_values(kafka_consumergroup_lag_total, group)", "Collector consumer groups"),
               query_var("source", "Source", "label_values(collector_events_processed_total, source)", "Event sources")])
    g = '{group=~"$group"}'
    s = '{source=~"$source"}'
    b.row("Groups now")
    b.table("Group status", "Per group: its status (ok, lagging, stalled, stopped, rewound, as the autoscaler's evaluator "
            "reads the committed offsets), members, partitions, lag, lag in seconds, replicas.",
            [target(f"kafka_consumergroup_status{{group=~\"$group\"}} == 1", "", "A", table=True),
             target(f"sum by (group) (kafka_consumergroup_members{g})", "", "B", table=True),
             target(f"sum by (group) (kafka_consumergroup_partitions{g})", "", "C", table=True),
             target(f"sum by (group) (kafka_consumergroup_lag_total{g})", "", "D", table=True),
             target(f"max by (group) (kafka_consumergroup_lag_seconds{g})", "", "E", table=True),
             target(f"sum by (group) (autoscaler_replicas{g})", "", "F", table=True),
             target(f"sum by (group) (autoscaler_desired_replicas{g})", "", "G", table=True)],
            w=24, h=6,
            exclude=("Time", "Value #A", "__name__", "instance", "job", "environment"),
            rename={"Value #B": "members", "Value #C": "partitions", "Value #D": "lag", "Value #E": "lag seconds",
                    "Value #F": "replicas", "Value #G": "desired"},
            overrides=[{"matcher": {"id": "byName", "options": "lag seconds"}, "properties": [{"id": "unit", "value": "s"}]},
                       {"matcher": {"id": "byName", "options": "status"},
                        "properties": [{"id": "custom.cellOptions", "value": {"type": "color-background"}},
                                       {"id": "mappings", "value": [{"type": "value", "options": {
                                           "ok": {"color": GREEN, "index": 0}, "lagging": {"color": YELLOW, "index": 1},
                                           "rewound": {"color": ORANGE, "index": 2}, "stalled": {"color": RED, "index": 3},
                                           "stopped": {"color": RED, "index": 4}}}]}]}])

    b.row("Lag")
    b.timeseries("Lag per group", "Records behind the end of the log, per group.",
                 targets((f"sum by (group) (kafka_consumergroup_lag_total{g})", "{{group}}")), "short", w=8,
                 thresholds=steps((10000, YELLOW), (100000, RED)))
    b.timeseries("Lag in seconds", "Estimated age of the oldest unconsumed record per group (like kafka-lag-exporter's "
                 "lag seconds).",
                 targets((f"max by (group) (kafka_consumergroup_lag_seconds{g})", "{{group}}")), "s", w=8,
                 thresholds=steps((30, YELLOW), (120, RED)), threshold_line=True)
    b.timeseries("Produced vs consumed", "Events accepted by the gateway for the group's topic (dashed) and records the "
                 "group committed, per second; consumption below production means growing lag.",
                 targets((PRODUCED_BY_GROUP, "{{group}} produced"),
                         (f"sum by (group) (kafka_consumergroup_consumption_rate{g})", "{{group}} consumed")),
                 EVENTS_PER_S, w=8, fill=0,
                 overrides=[{"matcher": {"id": "byRegexp", "options": ".*produced"},
                             "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}]}])
    b.timeseries("Lag per partition", "Records behind per partition: one hot partition means a skewed key or a stuck "
                 "member.",
                 targets((f"sum by (group, partition) (kafka_consumergroup_lag{g})", "{{group}} p{{partition}}")), "short",
                 w=12, calcs=("max", "lastNotNull"))
    b.table("Lag per partition, now", "Current lag per topic and partition, largest first.",
            [target(f"sum by (group, topic, partition) (kafka_consumergroup_lag{g})", "", "A", table=True)],
            w=12, rename={"Value": "lag"}, sort="lag",
            thresholds=steps((10000, YELLOW), (100000, RED)))
    b.timeseries("Partitions by status", "Partitions per group in each status the autoscaler's evaluator gives them "
                 "(ok, lagging, stalled, stopped, rewound; kafka_consumergroup_partition_status).",
                 targets((f"sum by (group, status) (kafka_consumergroup_partition_status{g} == 1)", "{{group}} {{status}}")),
                 "short", w=12, stack=True, decimals=0, calcs=("lastNotNull",))
    b.timeseries("Time to drain", "Lag divided by the measured consumption rate: how long the backlog lasts at the "
                 "current speed if nothing new arrives.",
                 targets((f"sum by (group) (kafka_consumergroup_lag_total{g}) / sum by (group) (kafka_consumergroup_consumption_rate{g})",
                          "{{group}}")), "s", w=12, thresholds=steps((60, YELLOW), (600, RED)))

    b.row("Collectors")
    b.timeseries("Stored per source", "Events stored in PostgreSQL per second.",
                 targets((f"sum by (source) (rate(collector_events_processed_total{s}[{RI}]))", "{{source}}")),
                 EVENTS_PER_S, w=8, stack=True)
    b.timeseries("Duplicates and dead letters", "Events skipped as already stored (redeliveries) and events sent to "
                 "events.dlq (undecodable or unstorable), per second and source.",
                 targets((f"sum by (source) (rate(collector_events_duplicate_total{s}[{RI}]))", "{{source}} duplicate"),
                         (f"sum by (source) (rate(collector_events_dead_lettered_total{s}[{RI}]))", "{{source}} dead-lettered")),
                 EVENTS_PER_S, w=8,
                 overrides=[{"matcher": {"id": "byRegexp", "options": ".*dead-lettered"},
                             "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": RED}}]}])
    b.timeseries("End-to-end delay by source", "p95 of stored time minus the Kafka record's timestamp, per source.",
                 [target(f"histogram_quantile(0.95, sum by (le, source) (rate(collector_event_delay_seconds_bucket{s}[{RI}])))",
                         "{{source}} p95", "A")],
                 "s", w=8, thresholds=steps((5, YELLOW), (60, RED)), threshold_line=True)
    b.timeseries("Batch duration", "Time per batch (decode, COPY, aggregates, offsets, commit): median and p99 per "
                 "collector instance.",
                 [target(e, l, chr(65 + i)) for i, (e, l) in enumerate(
                     quantiles("collector_batch_duration_seconds", "instance", qs=(0.5, 0.99)))],
                 "s", w=12, thresholds=steps((1, YELLOW), (5, RED)))
    b.timeseries("Batch size", "Records per batch (up to 10,000): median and p95. Large batches mean the collector is "
                 "catching up.",
                 [target(e, l, chr(65 + i)) for i, (e, l) in enumerate(quantiles("collector_batch_size", qs=(0.5, 0.95)))],
                 "short", w=12)

    b.row("Autoscaler")
    b.timeseries("Desired vs running replicas", "Collector instances per group the autoscaler runs and wants "
                 "(desired = ceil(lag / lag threshold), clamped to min..max).",
                 targets((f"sum by (group) (autoscaler_replicas{g})", "{{group}} running"),
                         (f"sum by (group) (autoscaler_desired_replicas{g})", "{{group}} desired")),
                 "short", w=12, decimals=0, fill=0,
                 overrides=[{"matcher": {"id": "byRegexp", "options": ".*desired"},
                             "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}]}])
    b.timeseries("Members and partitions", "Consumer group members (two per collector instance) and the partitions they "
                 "share; members above partitions sit idle.",
                 targets((f"sum by (group) (kafka_consumergroup_members{g})", "{{group}} members"),
                         (f"sum by (group) (kafka_consumergroup_partitions{g})", "{{group}} partitions")),
                 "short", w=12, decimals=0, fill=0)
    b.stat("Restarts", "Collector processes restarted after an unexpected exit, over the dashboard's time range.",
           targets((f"sum by (group) (increase(autoscaler_restarts_total{g}[$__range]))", "{{group}}")), "short",
           steps((1, YELLOW), (3, RED)), w=8, graph=False, decimals=0)
    b.stat("Saturated", "1 when the group wants more instances than it may run (max replicas or partitions) and lag "
           "still needs them.",
           targets((f"max by (group) (autoscaler_saturated{g})", "{{group}}")), "short", steps((1, RED)), w=8,
           graph=False, decimals=0,
           mappings=[{"type": "value", "options": {"0": {"text": "no", "index": 0}, "1": {"text": "saturated", "index": 1}}}])
    b.stat("Lag read failures", "Lag reads that failed per minute (the autoscaler then keeps the current replicas).",
           targets((f"sum by (group) (rate(autoscaler_lag_read_failures_total{g}[{RI}])) * 60", "{{group}}")), "short",
           steps((0.000001, YELLOW), (1, RED)), w=8, graph=False, decimals=1)
    return b


def reports():
    b = Board("eventplatform-reports", "Event platform / Reports",
              "The reports API: requests and latency per report (the aim is p99 under 20 ms), cache hit ratio, errors "
              "and 503s.",
              ["eventplatform", "reporter"],
              [query_var("report", "Report", "label_values(reporter_requests_total, report)", "Reports")])
    sel = '{report=~"$report"}'
    req = f"sum(rate(reporter_requests_total{sel}[{RI}]))"
    b.row("Now")
    b.stat("Requests", "Report requests per second (selected reports).", targets((req, "")), "reqps", steps(base=BLUE),
           decimals=2, w=6)
    b.stat("Latency p99", "99th percentile over the selected reports; the target is 20 ms.",
           targets((f"histogram_quantile(0.99, sum by (le) (rate(reporter_report_duration_seconds_bucket{sel}[{RI}])))", "")),
           "s", steps((0.02, YELLOW), (0.1, RED)), decimals=3, w=6)
    b.stat("Cache hit ratio", "Share of report requests answered from the reporter's cache.",
           targets((f"sum(rate(reporter_cache_hits_total{sel}[{RI}])) / {req}", "")), "percentunit",
           steps((0.2, YELLOW), (0.5, GREEN), base=ORANGE), decimals=1, w=6)
    b.stat("Error ratio", "Share of responses with a 5xx status (503: PostgreSQL unavailable or overloaded).",
           targets((ratio(f'sum(rate(reporter_requests_total{{report=~"$report",status=~"5.."}}[{RI}]))', req), "")),
           "percentunit", steps((0.001, YELLOW), (0.01, RED)), decimals=2, w=6)
    b.row("Per report")
    b.timeseries("Requests by report and status", "Requests per second by report and HTTP status.",
                 targets((f"sum by (report, status) (rate(reporter_requests_total{sel}[{RI}]))", "{{report}} {{status}}")),
                 "reqps", w=12)
    b.timeseries("Latency p99 by report", "99th percentile duration per report; the dashed zone is over the 20 ms target.",
                 targets((f"histogram_quantile(0.99, sum by (le, report) (rate(reporter_report_duration_seconds_bucket{sel}[{RI}])))",
                          "{{report}} p99")),
                 "s", w=12, thresholds=steps((0.02, RED)), threshold_line=True)
    b.timeseries("Latency percentiles", "Median, p95 and p99 over the selected reports.",
                 [target(e, l, chr(65 + i)) for i, (e, l) in
                  enumerate(quantiles("reporter_report_duration_seconds", selector=sel))],
                 "s", w=12, thresholds=steps((0.02, RED)), threshold_line=True)
    b.timeseries("Cache hit ratio by report", "Share of requests served from the cache, per report.",
                 targets((f"sum by (report) (rate(reporter_cache_hits_total{sel}[{RI}])) / sum by (report) (rate(reporter_requests_total{sel}[{RI}]))",
                          "{{report}}")), "percentunit", w=12, maximum=1)
    b.timeseries("Errors and 503s", "5xx responses per second (503: PostgreSQL unavailable) and 4xx (bad parameters).",
                 targets((or_zero(f'sum(rate(reporter_requests_total{{report=~"$report",status="503"}}[{RI}]))', req), "503"),
                         (or_zero(f'sum(rate(reporter_requests_total{{report=~"$report",status=~"5..",status!="503"}}[{RI}]))', req), "other 5xx"),
                         (or_zero(f'sum(rate(reporter_requests_total{{report=~"$report",status=~"4.."}}[{RI}]))', req), "4xx")),
                 "reqps", w=24, h=6, thresholds=steps((0.000001, RED)))
    return b


def postgresql():
    b = Board("eventplatform-postgresql", "Event platform / PostgreSQL",
              "The platform's PostgreSQL through prometheus-postgres-exporter: up, connections, transactions, locks, "
              "deadlocks, cache hit ratio, rows written, table sizes. After the postgres_exporter mixin.",
              ["eventplatform", "postgresql"],
              [query_var("datname", "Database", "label_values(pg_stat_database_numbackends, datname)", "Databases")])
    d = '{datname=~"$datname"}'
    b.row("Now")
    b.stat("PostgreSQL", "pg_up: the exporter can reach PostgreSQL.", targets(("min(pg_up)", "")), "short",
           steps((1, GREEN), base=RED), graph=False,
           mappings=[{"type": "value", "options": {"0": {"text": "DOWN", "index": 0}, "1": {"text": "UP", "index": 1}}}])
    b.stat("Connections used", "Backends connected, as a share of max_connections.",
           targets(("sum(pg_stat_database_numbackends) / max(pg_settings_max_connections)", "")), "percentunit",
           steps((0.7, YELLOW), (0.9, RED)), decimals=1)
    b.stat("Transactions", "Commits and rollbacks per second (selected databases).",
           targets((f"sum(rate(pg_stat_database_xact_commit{d}[{RI}])) + sum(rate(pg_stat_database_xact_rollback{d}[{RI}]))", "")),
           "ops", steps(base=BLUE), decimals=1)
    b.stat("Cache hit ratio", "Blocks found in shared buffers rather than read from disk.",
           targets((f"sum(rate(pg_stat_database_blks_hit{d}[{RI}])) / (sum(rate(pg_stat_database_blks_hit{d}[{RI}])) + sum(rate(pg_stat_database_blks_read{d}[{RI}])))", "")),
           "percentunit", steps((0.9, YELLOW), (0.98, GREEN), base=RED), decimals=2)
    b.stat("Deadlocks", "Deadlocks detected over the dashboard's time range.",
           targets((f"sum(increase(pg_stat_database_deadlocks{d}[$__range]))", "")), "short", steps((1, RED)),
           graph=False, decimals=0)
    b.stat("Database size", "Size of the selected databases on disk.",
           targets((f"sum(pg_database_size_bytes{d})", "")), "bytes", steps(base=BLUE))
    b.row("Activity")
    b.timeseries("Connections by state", "Connections per state (active, idle, idle in transaction...) and the limit.",
                 targets((f"sum by (state) (pg_stat_activity_count{d})", "{{state}}"),
                         ("max(pg_settings_max_connections)", "max_connections")), "short", w=12, decimals=0)
    b.timeseries("Transactions", "Commits and rollbacks per second; many rollbacks mean failing batches (collectors "
                 "retry a batch whose transaction failed).",
                 targets((f"sum by (datname) (rate(pg_stat_database_xact_commit{d}[{RI}]))", "{{datname}} commit"),
                         (f"sum by (datname) (rate(pg_stat_database_xact_rollback{d}[{RI}]))", "{{datname}} rollback")),
                 "ops", w=12)
    b.timeseries("Rows written and read", "Rows inserted, updated, deleted and returned per second.",
                 targets((f"sum(rate(pg_stat_database_tup_inserted{d}[{RI}]))", "inserted"),
                         (f"sum(rate(pg_stat_database_tup_updated{d}[{RI}]))", "updated"),
                         (f"sum(rate(pg_stat_database_tup_deleted{d}[{RI}]))", "deleted"),
                         (f"sum(rate(pg_stat_database_tup_returned{d}[{RI}]))", "returned")), "cps",
                 w=12)
    b.timeseries("Locks by mode", "Locks held per mode; row-exclusive locks follow the collectors' writes, exclusive "
                 "ones partition creation and migrations.",
                 targets((f"sum by (mode) (pg_locks_count{d})", "{{mode}}")), "short", w=12, decimals=0)
    b.timeseries("Deadlocks and conflicts", "Deadlocks and conflicts per second.",
                 targets((f"sum(rate(pg_stat_database_deadlocks{d}[{RI}]))", "deadlocks"),
                         (f"sum(rate(pg_stat_database_conflicts{d}[{RI}]))", "conflicts")), "cps", w=8,
                 thresholds=steps((0.000001, RED)))
    b.timeseries("Longest transaction", "Age of the oldest open transaction; long ones hold locks and block vacuum.",
                 targets((f"max by (datname) (pg_stat_activity_max_tx_duration{d})", "{{datname}}")), "s", w=8,
                 thresholds=steps((30, YELLOW), (300, RED)), threshold_line=True)
    b.timeseries("Temporary files", "Bytes written to temporary files per second (sorts and hashes that did not fit "
                 "in work_mem, e.g. large reports).",
                 targets((f"sum(rate(pg_stat_database_temp_bytes{d}[{RI}]))", "temp bytes")), "Bps", w=8)
    b.row("Tables")
    b.timeseries("Table sizes", "Disk size per table with indexes (events: all its partitions), from "
                 "dashboards/postgres-exporter-queries.yaml.",
                 targets(("sum by (relname) (pg_table_total_bytes)", "{{relname}}")), "bytes", w=12,
                 calcs=("lastNotNull",))
    b.table("Tables now", "Size, live and dead rows per table, largest first.",
            [target("sum by (relname) (pg_table_total_bytes)", "", "A", table=True),
             target("sum by (relname) (pg_table_live_rows)", "", "B", table=True),
             target("sum by (relname) (pg_table_dead_rows)", "", "C", table=True)],
            w=12, rename={"Value #A": "size", "Value #B": "live rows", "Value #C": "dead rows"}, sort="size",
            overrides=[{"matcher": {"id": "byName", "options": "size"}, "properties": [{"id": "unit", "value": "bytes"}]}])
    return b


BOARDS = {"overview": overview, "gateway-publisher": gateway_publisher, "collectors-scaling": collectors_scaling,
          "reports": reports, "postgresql": postgresql}


def render(name):
    return json.dumps(BOARDS[name]().json(), indent=2, ensure_ascii=False) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for name in BOARDS:
        path = os.path.join(OUT, f"{name}.json")
        text = render(name)
        if check:
            if not os.path.exists(path) or open(path).read() != text:
                stale.append(path)
        else:
            with open(path, "w") as fh:
                fh.write(text)
            print(f"wrote {os.path.relpath(path, ROOT)}")
    if stale:
        print("out of date (run scripts/build-dashboards.py): " + ", ".join(os.path.relpath(p, ROOT) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
