#!/usr/bin/env python3
"""The live observability check: the platform with traffic, scraped by the local Prometheus, and every query of
dashboards/ run against it.

usage: live_check.py --binary PATH/eventplatform [--prom http://127.0.0.1:9090] [--count 20000] [--rate 400]
                     [--deadline 240] [--keep-running]

Expects the local infrastructure to run (scripts/infra.sh start; its .local/env sourced: DATABASE_URL,
KAFKA_BROKERS, LD_LIBRARY_PATH, AUTOSCALER_SCRAPE_TARGETS_FILE). Steps:
 1. Prometheus has loaded dashboards/alerts.yaml (every rule of the file, none with an evaluation error yet).
 2. Starts `eventplatform up --count N --rate R` in its own process group (gateway :8080, reporter :8081,
    autoscaler :9100 with its collectors); asks the reporter for every report while it waits.
 3. Waits (polling, one deadline; no fixed sleeps) until the gateway is ready and Prometheus holds two or more
    samples, with an increase, of what the dashboards rate: events accepted, report requests, and, when those
    targets exist, events stored by collectors and the lag the autoscaler reads.
 4. Runs promql-live-check.py: every panel query, template-variable query and recording rule of dashboards/
    must return data, every alert expression must evaluate, every metric name they mention must exist.
 5. Stops the platform with SIGINT (it drains and commits), waiting for it to exit.
Exit status 0 only if every step passed. The platform's output is in .local/run/observability-up.log.
"""
import argparse, json, os, signal, subprocess, sys, threading, time, urllib.parse, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DASHBOARDS = os.path.join(ROOT, "dashboards")
RULES = os.path.join(DASHBOARDS, "alerts.yaml")


def day(days_ago):
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() - days_ago * 86_400))


# The reporter's routes, so every report label has requests (the sample events fall in the 28 days before today).
FIRST, LAST, WEEK = day(28), day(1), day(7)
REPORTS = [
    f"/reports/events?from={FIRST}&to={LAST}&groupBy=source",
    f"/reports/revenue?from={FIRST}T06:30:00Z&to={LAST}&groupBy=source",
    f"/reports/demographics?from={FIRST}&to={LAST}",
    f"/reports/funnel?from={FIRST}&to={LAST}",
    f"/stats/dau?from={WEEK}&to={LAST}&segment=country:UA",
    f"/stats/top-events?from={FIRST}&to={LAST}&limit=10",
    f"/stats/retention?start_date={FIRST}&windows=4",
]


def log(msg):
    print(f"[live-check {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def get(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception:
        return None, b""


def prom_query(prom, expr):
    status, body = get(prom.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    if status != 200:
        return None
    return json.loads(body)["data"]["result"]


def prom_value(prom, expr):
    res = prom_query(prom, expr)
    if not res:
        return None
    return float(res[0]["value"][1])


def rule_count(path):
    import yaml
    doc = yaml.safe_load(open(path))
    return sum(len(g.get("rules") or []) for g in doc.get("groups") or [])


def check_rules_loaded(prom):
    status, body = get(prom.rstrip("/") + "/api/v1/rules")
    if status != 200:
        return [f"Prometheus at {prom} does not answer /api/v1/rules"]
    groups = json.loads(body)["data"]["groups"]
    ours = [g for g in groups if os.path.realpath(g["file"]) == os.path.realpath(RULES)]
    loaded = sum(len(g["rules"]) for g in ours)
    problems = []
    if loaded != rule_count(RULES):
        problems.append(f"Prometheus loaded {loaded} rules from {RULES}, the file has {rule_count(RULES)} "
                        "(is the local Prometheus started by scripts/infra.sh from this checkout?)")
    for g in ours:
        for r in g["rules"]:
            if r.get("health") == "err":
                problems.append(f"rule {r.get('name')}: {r.get('lastError')}")
    return problems


def targets(prom):
    status, body = get(prom.rstrip("/") + "/api/v1/targets?state=active")
    if status != 200:
        return []
    return json.loads(body)["data"]["activeTargets"]


class ReportTraffic(threading.Thread):
    """Asks the reporter for every report, round after round, until stopped."""

    def __init__(self, base):
        super().__init__(daemon=True)
        self.base, self.stop, self.answers = base, threading.Event(), {}

    def run(self):
        while not self.stop.is_set():
            for path in REPORTS:
                status, _ = get(self.base + path, timeout=10)
                self.answers[status] = self.answers.get(status, 0) + 1
                if self.stop.wait(0.2):
                    return


def wait_for(what, predicate, deadline, interval=1.0):
    """Polls predicate until it returns true or the deadline (time.monotonic) passes."""
    while True:
        if predicate():
            log(f"ok: {what}")
            return True
        if time.monotonic() > deadline:
            log(f"gave up waiting: {what}")
            return False
        time.sleep(interval)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--prom", default=os.environ.get("PROMETHEUS_URL", "http://127.0.0.1:9090"))
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--rate", type=int, default=400, help="events/s of the sample traffic (0: as fast as possible)")
    ap.add_argument("--deadline", type=int, default=240, help="seconds to wait for data before checking anyway")
    ap.add_argument("--keep-running", action="store_true", help="leave the platform running afterwards")
    a = ap.parse_args()
    gateway = f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8080')}"
    reporter = f"http://127.0.0.1:{os.environ.get('REPORTER_PORT', '8081')}"
    failures = []

    problems = check_rules_loaded(a.prom)
    for p in problems:
        log(f"FAIL {p}")
    failures += problems
    for port_url in (gateway, reporter):
        if get(port_url + "/health/live", timeout=2)[0] is not None:
            log(f"FAIL {port_url} already answers: another platform runs; stop it first")
            return 1

    logfile = os.path.join(ROOT, ".local", "run", "observability-up.log")
    os.makedirs(os.path.dirname(logfile), exist_ok=True)
    out = open(logfile, "w")
    cmd = [a.binary, "up", "--count", str(a.count), "--rate", str(a.rate)]
    log(f"starting: {' '.join(cmd)} (output in {os.path.relpath(logfile, ROOT)})")
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, cwd=ROOT)
    traffic = ReportTraffic(reporter)
    try:
        deadline = started + a.deadline
        alive = lambda: proc.poll() is None
        if not wait_for("gateway ready", lambda: not alive() or get(gateway + "/health/ready", 2)[0] == 200, deadline):
            failures.append("the gateway did not become ready")
        if not alive():
            failures.append(f"eventplatform up exited with {proc.returncode}; see {logfile}")
            raise SystemExit
        traffic.start()
        conditions = [
            ("Prometheus rates events the gateway accepted", "sum(rate(gateway_events_accepted_total[1m])) > 0"),
            # The publisher's counters appear with its first event (the gateway's exist at 0 from the
            # start), so their rates need two scrapes of their own.
            ("Prometheus rates the publisher's deliveries", "sum(rate(publisher_events_delivered_total[1m])) > 0"),
            ("Prometheus rates report requests", "sum(rate(reporter_requests_total[1m])) > 0"),
            ("Prometheus scraped PostgreSQL", "min(pg_up) == 1"),
        ]
        for what, expr in conditions:
            if not wait_for(what, lambda: not alive() or prom_value(a.prom, expr) is not None, deadline):
                failures.append(f"no data in time: {what} ({expr})")
        # The autoscaler's collectors appear through file_sd once it has started them.
        jobs = lambda: {t["labels"].get("job") for t in targets(a.prom) if t.get("health") == "up"}
        wait_for("Prometheus scrapes the autoscaler and collectors",
                 lambda: not alive() or {"autoscaler", "collector"} <= jobs(), min(deadline, time.monotonic() + 30))
        up_jobs = jobs()
        log(f"jobs up: {', '.join(sorted(j for j in up_jobs if j))}")
        if "collector" in up_jobs:
            wait_for("Prometheus rates events the collectors stored",
                     lambda: not alive() or prom_value(a.prom, "sum(rate(collector_events_processed_total[1m])) > 0") is not None,
                     deadline)
        else:
            log("no collector target is up (file_sd: $AUTOSCALER_SCRAPE_TARGETS_FILE): collector panels will lack data")
        if "autoscaler" in up_jobs:
            wait_for("Prometheus has the lag the autoscaler reads",
                     lambda: not alive() or prom_value(a.prom, "count(kafka_consumergroup_lag_total)") is not None,
                     deadline)
        else:
            log("the autoscaler (:9100) is not up: lag and scaling panels will lack data")
        if not alive():
            failures.append(f"eventplatform up exited early with {proc.returncode}; see {logfile}")
        log(f"reporter answers so far: {traffic.answers}")

        dashboards = sorted(os.path.join(DASHBOARDS, f) for f in os.listdir(DASHBOARDS) if f.endswith(".json"))
        cmd = [sys.executable, os.path.join(HERE, "promql-live-check.py"), "--prom", a.prom, "--rules", RULES]
        for d in dashboards:
            cmd += ["--dashboard", d]
        log("running every dashboard query, variable query and rule against Prometheus")
        r = subprocess.run(cmd, cwd=ROOT)
        if r.returncode != 0:
            failures.append("promql-live-check.py found queries without data or metrics no service exports (above)")
        failures += [f"after the check: {p}" for p in check_rules_loaded(a.prom)]
    except SystemExit:
        pass
    finally:
        traffic.stop.set()
        if a.keep_running and proc.poll() is None:
            log(f"leaving the platform running (pid {proc.pid}); stop it with: kill -INT {proc.pid}")
        elif proc.poll() is None:
            log("stopping the platform (SIGINT)")
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=120)
                log(f"the platform exited with {proc.returncode}")
                if proc.returncode not in (0, -signal.SIGINT, 130):
                    failures.append(f"eventplatform up exited with {proc.returncode} after SIGINT; see {logfile}")
            except subprocess.TimeoutExpired:
                failures.append("eventplatform up did not stop within 120 s of SIGINT; killed")
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        out.close()
    log(f"took {time.monotonic() - started:.0f} s")
    if failures:
        log("FAILED:")
        for f in failures:
            log(f"  - {f}")
        return 1
    log("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
