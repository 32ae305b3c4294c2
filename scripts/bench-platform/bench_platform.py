#!/usr/bin/env python3
"""`scripts/bench.sh platform`: the platform measured whole, the way users run it.

Starts `eventplatform up --no-traffic` (release build, its own database and topics) and the Python peer
(FastAPI + pydantic v2 + orjson + confluent-kafka, two uvicorn workers, `peer/app.py`) on the same broker,
drives both from outside over HTTP, and measures beside them, in the same run, the baselines: raw
librdkafka producing the same events (`eventplatform bench publisher`) and PostgreSQL `COPY` of the rows
the platform stored. Every figure is repeated over `--runs` runs (platform and peer alternate within a
run, so both see the same machine, and which goes first alternates between runs) and printed as median
and range; the raw figures go to `.local/bench/platform/platform-<time>.json`. `--fresh-broker` restarts
the local broker before each run (it slows as it fills, and its memory storage starts empty).

Each measurement starts with the platform's collectors at rest: lag zero, and the autoscaler back at its
minimum, one collector per source unless AUTOSCALER_MIN_REPLICAS says otherwise (its scale-in waits 60 s
after a backlog, so without this wait a measurement would share the cores with collectors stopping and
groups rebalancing after the one before). Rows (issue 13):
  single     wrk, 50 connections, one Facebook event per POST /webhook/events: requests/s, p50, p99
  bulk       curl --data-binary of one 50,000-event body (curl sends Expect: 100-continue): seconds
  sustained  4 clients posting 5,000-event bulk requests for a fixed time: events/s accepted
  e2e        500,000 events bulk from 4 clients until the reports API counts every one: events/s
  drain      the collectors catching up the backlog the sustained run left: events/s stored
  reports    report requests one after another while the sustained clients ingest again, from rest, for
             --reports-seconds: p50, p99, and the events/s accepted meanwhile (the peer has no reports API,
             so the sustained row compares both sides without them)
`--gateway-alone` is diagnosis, not the platform's figure: the sustained clients, then wrk's single events,
against `eventplatform gateway` with nothing else running, and the gateway's CPU per event and per request
(`--binary` compares builds).
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "pylib"))
from local_platform import fresh_database, free_port, http_ok, logger, psql, stored_offsets, total_lag, wait_until  # noqa: E402
from sample_events import social_event  # noqa: E402
HERE = Path(__file__).resolve().parent
LOCAL = ROOT / ".local"


log = logger("bench-platform")


def wait_ready(url, seconds=90):
    wait_until(lambda: http_ok(url), seconds, f"{url} answering 200", interval=0.2)


# MARK: Events

class BulkBodies:
    """`{"events": [...]}` bodies of `size` events; `@@` in every event id is replaced per request, so each
    request carries new ids without generating JSON during the measurement."""

    def __init__(self, size, templates, day, seed):
        rng = random.Random(seed)
        self.templates = [
            ('{"events":[' + ",".join(social_event(rng, f"@@-{t}-{i}", day) for i in range(size)) + "]}").encode()
            for t in range(templates)]
        self.counter = 0
        self.lock = threading.Lock()
        self.size = size

    def next(self, run_id):
        with self.lock:
            self.counter += 1
            number = self.counter
        template = self.templates[number % len(self.templates)]
        return template.replace(b"@@", f"{run_id}{number}".encode())


# MARK: Drivers

def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def wrk_single(base_url, seconds, run_id, day):
    """wrk with 50 connections, one event per request; requests/s, p50 and p99 in ms, non-202 answers."""
    out = subprocess.run(
        ["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", "-s", str(HERE / "single-event.lua"), base_url, "--", run_id, day],
        capture_output=True, text=True, check=True).stdout
    def latency(label):
        line = next(l for l in out.splitlines() if l.strip().startswith(label))
        value = line.split()[1]
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
        for suffix in ("us", "ms", "s"):
            if value.endswith(suffix):
                return float(value[: -len(suffix)]) * scale[suffix]
        raise ValueError(value)
    rate = float(next(l for l in out.splitlines() if l.startswith("Requests/sec")).split()[1])
    failed = next((int(l.split()[-1]) for l in out.splitlines() if "Non-2xx" in l), 0)
    return {"requests_per_s": rate, "p50_ms": latency("50%"), "p99_ms": latency("99%"), "non_2xx": failed}


def curl_bulk(url, body_file, repetitions):
    """Seconds per `curl --data-binary` of the body (curl's own Expect: 100-continue for large bodies)."""
    seconds = []
    for _ in range(repetitions):
        out = subprocess.run(
            ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-H", "Content-Type: application/json",
             "--data-binary", f"@{body_file}", url], capture_output=True, text=True, check=True).stdout.split()
        if out[0] != "202":
            raise RuntimeError(f"bulk request to {url} answered {out[0]}")
        seconds.append(float(out[1]))
    return {"median_s": statistics.median(seconds), "min_s": min(seconds), "max_s": max(seconds), "runs": seconds}


def post(host, port, path, body):
    connection = http.client.HTTPConnection(host, port, timeout=120)
    try:
        connection.request("POST", path, body, {"Content-Type": "application/json"})
        answer = connection.getresponse()
        payload = answer.read()
        return answer.status, payload
    finally:
        connection.close()


def bulk_clients(port, bodies, run_id, clients, seconds=None, events=None):
    """`clients` threads posting bulk bodies until `seconds` pass or `events` are sent; events accepted,
    and the seconds it took."""
    accepted, failures, sent = [0], [], [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds if seconds else None

    def client():
        while True:
            with lock:
                if events is not None and sent[0] >= events:
                    return
                sent[0] += bodies.size
            if stop_at and time.monotonic() >= stop_at:
                return
            status, payload = post("127.0.0.1", port, "/webhook/events/bulk", bodies.next(run_id))
            if status != 202:
                failures.append((status, payload[:200]))
                return
            with lock:
                accepted[0] += json.loads(payload)["accepted"]

    start = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    if failures:
        raise RuntimeError(f"bulk requests failed: {failures[:3]}")
    return accepted[0], elapsed


def reports_total(port, day):
    query = urllib.parse.urlencode({"from": day, "to": day})
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/reports/events?{query}", timeout=30) as answer:
        return json.loads(answer.read())["total"]


class ReportProbe(threading.Thread):
    """Report requests one after another while ingestion runs; their latencies in ms."""

    def __init__(self, port, day):
        super().__init__(daemon=True)
        self.port, self.latencies, self.errors, self.stopping = port, [], [], threading.Event()
        week = time.strftime("%Y-%m-%d", time.gmtime(time.mktime(time.strptime(day, "%Y-%m-%d")) - 6 * 86_400))
        self.paths = [f"/reports/events?from={week}&to={day}&groupBy=day",
                      f"/stats/dau?from={week}&to={day}",
                      f"/reports/events?from={day}T06:30:00Z&to={day}T18:00:00Z&groupBy=hour",
                      f"/reports/revenue?from={week}&to={day}"]

    def run(self):
        index = 0
        while not self.stopping.is_set():
            path = self.paths[index % len(self.paths)]
            index += 1
            start = time.monotonic()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as answer:
                    answer.read()
                self.latencies.append((time.monotonic() - start) * 1000)
            except OSError as error:
                self.errors.append(str(error))
            self.stopping.wait(0.05)


# MARK: The processes

def descendants(pid):
    """Every process below `pid`, read from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


class Processes:
    def __init__(self):
        self.children = []

    def start(self, command, log_path, env=None, cwd=None):
        handle = open(log_path, "w")
        child = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True)
        self.children.append(child)
        return child

    def stop(self, child, seconds=60):
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGINT)
            try:
                child.wait(seconds)
            except subprocess.TimeoutExpired:
                # `up`'s collectors run in sessions of their own, outside its process group.
                below = descendants(child.pid)
                os.killpg(child.pid, signal.SIGKILL)
                for pid in below:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                child.wait()
        self.children.remove(child)

    def stop_all(self):
        for child in list(self.children):
            self.stop(child)


# MARK: One run

def one_run(args, number, binary, env, processes, work):
    run_id = f"r{number}x{random.randrange(1 << 30):x}"
    prefix = f"bench-platform-{run_id}-"
    database = fresh_database(env["DATABASE_URL"], "eventplatform_bench_platform")
    subprocess.run([binary, "topics", "--topic-prefix", prefix], env=env, check=True, capture_output=True)
    subprocess.run([binary, "topics", "--topic-prefix", prefix + "peer-"], env=env, check=True, capture_output=True)

    ports = {name: free_port() for name in ("gateway", "reporter", "autoscaler", "peer")}
    platform_env = dict(env, DATABASE_URL=database)
    log(f"run {number}: starting the platform (topics {prefix}*)" + ("" if args.only_e2e else " and the peer"))
    platform = processes.start(
        [binary, "up", "--no-traffic", "--topic-prefix", prefix, "--gateway-port", str(ports["gateway"]),
         "--reporter-port", str(ports["reporter"]), "--autoscaler-port", str(ports["autoscaler"]), "--collector-port-base", "0"],
        work / f"up-{number}.log", env=platform_env)
    peer = None if args.only_e2e else processes.start(
        [str(args.peer_python.parent / "uvicorn"), "app:app", "--workers", "2", "--port", str(ports["peer"]),
         "--no-access-log", "--log-level", "warning"],
        work / f"peer-{number}.log", env=dict(env, PEER_BROKERS=env["KAFKA_BROKERS"], PEER_TOPIC_PREFIX=prefix + "peer-"),
        cwd=HERE / "peer")
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    peer_url = f"http://127.0.0.1:{ports['peer']}"
    wait_ready(gateway + "/health/ready")
    wait_ready(f"http://127.0.0.1:{ports['reporter']}/health/ready")
    if not args.only_e2e:
        wait_ready(peer_url + "/health/ready")
    result = {"run": number}

    # End to end first, on empty topics: every event on a day of its own, counted by the reports API.
    # Recent days (raw rows past the collectors' retention would be dropped as they arrive).
    today = time.time()
    day = time.strftime("%Y-%m-%d", time.gmtime(today - 86_400))
    other_day = time.strftime("%Y-%m-%d", time.gmtime(today - 2 * 86_400))
    log(f"run {number}: end to end, {args.e2e_events} events from 4 clients until queryable")
    e2e_bodies = BulkBodies(5000, 4, day, seed=number)
    start = time.monotonic()
    accepted, ingest_seconds = bulk_clients(ports["gateway"], e2e_bodies, "e2e" + run_id, 4, events=args.e2e_events)
    deadline = time.monotonic() + args.e2e_timeout
    total = 0
    while total < accepted:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {total} of {accepted} events queryable after {args.e2e_timeout} s")
        time.sleep(0.25)
        total = reports_total(ports["reporter"], day)
    elapsed = time.monotonic() - start
    if total != accepted:
        raise RuntimeError(f"the reports count {total} events, {accepted} were accepted")
    result["e2e"] = {"events": accepted, "seconds": elapsed, "events_per_s": accepted / elapsed,
                     "ingest_events_per_s": accepted / ingest_seconds}
    if args.only_e2e:
        processes.stop(platform)
        return result

    # COPY of the same rows into a table shaped like `events` (its indexes, no partitions): the ceiling.
    dump = work / "copy.csv"
    rows = int(psql(database, f"SELECT count(*) FROM events WHERE occurred_at >= '{day}' AND occurred_at < '{day}'::date + 1"))
    if rows != accepted:
        raise RuntimeError(f"{rows} raw rows stored for {accepted} accepted events")
    psql(database, f"\\copy (SELECT * FROM events WHERE occurred_at >= '{day}' AND occurred_at < '{day}'::date + 1) TO '{dump}' CSV")
    psql(database, "DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (LIKE events INCLUDING ALL)")
    start = time.monotonic()
    psql(database, f"\\copy bench_copy FROM '{dump}' CSV")
    copy_seconds = time.monotonic() - start
    psql(database, "DROP TABLE bench_copy")
    dump.unlink()
    result["copy"] = {"rows_per_s": rows / copy_seconds}

    # Each measurement starts with the platform at rest (lag zero, the autoscaler at its minimum), the peer's
    # alike; the drain row waits for lag zero only, since it times the catching up.
    minimum = int(platform_env.get("AUTOSCALER_MIN_REPLICAS", "1"))

    def caught_up():
        wait_caught_up(binary, prefix, platform_env, args.drain_timeout)

    def quiet():
        caught_up()
        wait_until(lambda: collectors_at_rest(ports["autoscaler"], minimum), args.drain_timeout, "the autoscaler scaling in", interval=1)

    def both(platform_side, peer_side):
        """Each side from rest; who goes first alternates by run, so the broker's state favours neither."""
        sides = [("platform", platform_side), ("peer", peer_side)]
        measured = {}
        for name, measure in sides if number % 2 else reversed(sides):
            quiet()
            measured[name] = measure()
        return measured

    log(f"run {number}: single events (wrk, 50 connections, {args.single_seconds} s each)")
    result["single"] = both(lambda: wrk_single(gateway, args.single_seconds, "p" + run_id, other_day),
                            lambda: wrk_single(peer_url, args.single_seconds, "q" + run_id, other_day))

    log(f"run {number}: one 50,000-event bulk request, {args.repetitions} times each")
    body_file = work / "bulk.json"
    body_file.write_bytes(BulkBodies(50_000, 1, other_day, seed=100 + number).next("bulk" + run_id))
    result["bulk"] = both(lambda: curl_bulk(gateway + "/webhook/events/bulk", body_file, args.repetitions),
                          lambda: curl_bulk(peer_url + "/webhook/events/bulk", body_file, args.repetitions))

    log(f"run {number}: sustained, 4 clients x 5,000-event requests, {args.sustained_seconds} s each")
    sustained_bodies = BulkBodies(5000, 8, other_day, seed=200 + number)
    quiet()
    peer_accepted, peer_seconds = bulk_clients(ports["peer"], sustained_bodies, "t" + run_id, 4, seconds=args.sustained_seconds)
    processes.stop(peer)
    accepted, seconds = bulk_clients(ports["gateway"], sustained_bodies, "s" + run_id, 4, seconds=args.sustained_seconds)
    drain_start, drain_from = time.monotonic(), stored_offsets(database)
    result["sustained"] = {"platform": {"events_per_s": accepted / seconds, "events": accepted},
                           "peer": {"events_per_s": peer_accepted / peer_seconds, "events": peer_accepted}}

    # The backlog the sustained run left, with nothing else running: timed until stored.
    log(f"run {number}: collectors draining the backlog")
    caught_up()
    drained = stored_offsets(database) - drain_from
    result["drain"] = {"events": drained, "events_per_s": drained / (time.monotonic() - drain_start)}

    # Reports while ingesting: the same clients again, from rest, with a client asking for reports.
    log(f"run {number}: reports while 4 clients ingest, {args.reports_seconds} s")
    quiet()
    probe = ReportProbe(ports["reporter"], other_day)
    probe.start()
    accepted, seconds = bulk_clients(ports["gateway"], sustained_bodies, "u" + run_id, 4, seconds=args.reports_seconds)
    probe.stopping.set()
    probe.join()
    result["reports_during_ingest"] = {"p50_ms": percentile(probe.latencies, 0.5), "p99_ms": percentile(probe.latencies, 0.99),
                                       "answered": len(probe.latencies), "failed": len(probe.errors),
                                       "ingest_events_per_s": accepted / seconds}
    processes.stop(platform)
    return result


def gateway_alone(args, number, binary, env, processes, work):
    """Diagnosis, not the platform's figure: `eventplatform gateway` with no collectors beside it, the
    sustained clients for `--sustained-seconds`, then wrk's single events for `--single-seconds`, and the
    gateway process's CPU per accepted event and per request."""
    run_id = f"g{number}x{random.randrange(1 << 30):x}"
    prefix = f"bench-gateway-{run_id}-"
    subprocess.run([binary, "topics", "--topic-prefix", prefix], env=env, check=True, capture_output=True)
    port = free_port()
    gateway = processes.start([binary, "gateway", "--topic-prefix", prefix, "--gateway-port", str(port)],
                              work / f"gateway-{number}.log", env=env)
    wait_ready(f"http://127.0.0.1:{port}/health/ready")
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 2 * 86_400))
    bodies = BulkBodies(5000, 8, day, seed=300 + number)
    status, payload = post("127.0.0.1", port, "/webhook/events/bulk", bodies.next("warm" + run_id))
    if status != 202:
        raise RuntimeError(f"the gateway answered {status}: {payload[:200]!r}")
    log(f"run {number}: the gateway alone, 4 clients x 5,000-event requests, {args.sustained_seconds} s")
    (accepted, seconds), cpu_seconds, _ = with_cpu(
        gateway.pid, lambda: bulk_clients(port, bodies, run_id, 4, seconds=args.sustained_seconds))
    log(f"run {number}: the gateway alone, wrk single events, {args.single_seconds} s")
    single, single_cpu_seconds, single_seconds = with_cpu(
        gateway.pid, lambda: wrk_single(f"http://127.0.0.1:{port}", args.single_seconds, run_id, day))
    processes.stop(gateway)
    single.update(cores=single_cpu_seconds / single_seconds,
                  cpu_us_per_request=single_cpu_seconds * 1e6 / (single["requests_per_s"] * single_seconds))
    return {"run": number, "gateway_alone": {"events_per_s": accepted / seconds, "events": accepted,
                                             "cores": cpu_seconds / seconds, "cpu_us_per_event": cpu_seconds * 1e6 / accepted,
                                             "single": single}}


def with_cpu(pid, work):
    """`work()`'s result, the CPU seconds process `pid` used meanwhile, and the seconds it took."""
    def cpu_ticks():
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    ticks, started = cpu_ticks(), time.monotonic()
    result = work()
    return result, (cpu_ticks() - ticks) / os.sysconf("SC_CLK_TCK"), time.monotonic() - started


def wait_caught_up(binary, prefix, env, seconds):
    """Until the collectors have stored everything Kafka holds."""
    wait_until(lambda: total_lag(binary, env, prefix) == 0, seconds, "the collectors catching up", interval=1)


def collectors_at_rest(autoscaler_port, minimum):
    """Whether every consumer group runs its minimum of collectors (`autoscaler_replicas`; `up` reads the
    minimum from AUTOSCALER_MIN_REPLICAS, default 1)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{autoscaler_port}/metrics", timeout=5) as answer:
        replicas = [float(line.split()[-1]) for line in answer.read().decode().splitlines()
                    if line.startswith("autoscaler_replicas{")]
    return bool(replicas) and all(count == minimum for count in replicas)


def librdkafka_baseline(binary, env, events):
    out = subprocess.run([binary, "bench", "publisher", "--events", str(events), "--latency-rate", "0"],
                         env=env, capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if "librdkafka directly" in l)
    return {"events_per_s": float(line.split(":")[1].split()[0])}


# MARK: Summary

def spread(values, digits=0):
    values = [v for v in values if v == v]
    fmt = f"{{:,.{digits}f}}"
    if len(values) == 1:
        return fmt.format(values[0])
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def summary(runs):
    def column(*path):
        values = []
        for run in runs:
            value = run
            for key in path:
                value = value[key]
            values.append(value)
        return values

    def ratio(a, b):
        return [x / y for x, y in zip(a, b)]

    if "gateway_alone" in runs[0]:
        return (f"the gateway alone (no collectors), 4 clients x 5,000-event requests: "
                f"{spread(column('gateway_alone', 'events_per_s'))} events/s, "
                f"{spread(column('gateway_alone', 'cpu_us_per_event'), 2)} µs of gateway CPU an event, "
                f"{spread(column('gateway_alone', 'cores'), 2)} cores; wrk, 50 connections, one event per request: "
                f"{spread(column('gateway_alone', 'single', 'requests_per_s'))} requests/s, p99 "
                f"{spread(column('gateway_alone', 'single', 'p99_ms'), 1)} ms, "
                f"{spread(column('gateway_alone', 'single', 'cpu_us_per_request'), 1)} µs of gateway CPU a request, "
                f"{spread(column('gateway_alone', 'single', 'cores'), 2)} cores")
    e2e = column("e2e", "events_per_s")
    if "single" not in runs[0]:
        return f"end to end: 4 clients bulk until the reports count every event: {spread(e2e)} events/s"
    lines = ["| what | platform | peer / baseline | platform ÷ peer or baseline |", "| --- | --- | --- | --- |"]
    s_rate, p_rate = column("single", "platform", "requests_per_s"), column("single", "peer", "requests_per_s")
    lines.append(f"| one event per POST, 50 connections: requests/s | {spread(s_rate)} | peer {spread(p_rate)} | {spread(ratio(s_rate, p_rate), 2)}× |")
    lines.append(f"| … p50 / p99 ms | {spread(column('single', 'platform', 'p50_ms'), 1)} / {spread(column('single', 'platform', 'p99_ms'), 1)} "
                 f"| peer {spread(column('single', 'peer', 'p50_ms'), 1)} / {spread(column('single', 'peer', 'p99_ms'), 1)} | |")
    b_plat, b_peer = column("bulk", "platform", "median_s"), column("bulk", "peer", "median_s")
    lines.append(f"| one 50,000-event bulk request, curl (Expect: 100-continue), median s | {spread(b_plat, 2)} | peer {spread(b_peer, 2)} "
                 f"| {spread(ratio(b_peer, b_plat), 2)}× faster |")
    u_plat, u_peer = column("sustained", "platform", "events_per_s"), column("sustained", "peer", "events_per_s")
    raw = column("librdkafka", "events_per_s")
    lines.append(f"| sustained, 4 clients × 5,000-event requests: events/s | {spread(u_plat)} | peer {spread(u_peer)} | {spread(ratio(u_plat, u_peer), 2)}× |")
    lines.append(f"| … beside raw librdkafka producing the same kind of events | | librdkafka {spread(raw)} | {spread(ratio(u_plat, raw), 2)}× |")
    copy = column("copy", "rows_per_s")
    lines.append(f"| end to end: 4 clients bulk until the reports count every event: events/s | {spread(e2e)} "
                 f"(ingest {spread(column('e2e', 'ingest_events_per_s'))}) | COPY {spread(copy)} rows/s | {spread(ratio(e2e, copy), 2)}× |")
    drain = column("drain", "events_per_s")
    lines.append(f"| collectors draining the sustained run's backlog (both sources): events/s | {spread(drain)} "
                 f"| COPY {spread(copy)} rows/s | {spread(ratio(drain, copy), 2)}× |")
    lines.append(f"| reports answered one after another while the 4 clients ingest again: p50 / p99 ms | "
                 f"{spread(column('reports_during_ingest', 'p50_ms'), 1)} / {spread(column('reports_during_ingest', 'p99_ms'), 1)} | | |")
    lines.append(f"| … events/s accepted meanwhile | {spread(column('reports_during_ingest', 'ingest_events_per_s'))} | | |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", type=Path, required=True, help="the release eventplatform binary")
    parser.add_argument("--peer-python", type=Path, help="python of the peer's virtual environment (scripts/bench.sh gives it)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--single-seconds", type=int, default=15)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--sustained-seconds", type=int, default=30)
    parser.add_argument("--reports-seconds", type=int, default=15,
                        help="how long the reports are asked for while the sustained clients ingest again")
    parser.add_argument("--e2e-events", type=int, default=500_000)
    parser.add_argument("--e2e-timeout", type=int, default=600)
    parser.add_argument("--drain-timeout", type=int, default=900)
    parser.add_argument("--baseline-events", type=int, default=500_000)
    parser.add_argument("--fresh-broker", action="store_true",
                        help="restart the local broker (scripts/infra.sh) before each run; its memory storage then "
                             "starts empty, which drops every topic on it")
    parser.add_argument("--only-e2e", action="store_true",
                        help="only the end-to-end row (no peer, no baselines): for settings of the collectors, e.g. COLLECTOR_SESSION_TIMEOUT_MS")
    parser.add_argument("--gateway-alone", action="store_true",
                        help="diagnosis of the gateway: only the sustained clients and wrk's single events against `eventplatform "
                             "gateway` with nothing else running, and its CPU per event and per request (compare "
                             "binaries with --binary)")
    args = parser.parse_args()
    if not (args.gateway_alone or args.only_e2e or args.peer_python):
        parser.error("--peer-python is needed for the peer")

    for tool in ("wrk", "curl", "psql"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing (scripts/bench.sh platform installs it)")
    env = dict(os.environ)
    work = LOCAL / "bench" / "platform"
    work.mkdir(parents=True, exist_ok=True)
    processes = Processes()
    runs = []
    try:
        for number in range(1, args.runs + 1):
            if args.fresh_broker:
                # The local broker slows as it fills (README, Performance): each run starts on an empty one.
                for command in ("stop-broker", "start-broker"):
                    subprocess.run([str(ROOT / "scripts" / "infra.sh"), command], check=True, capture_output=True)
            if args.gateway_alone:
                runs.append(gateway_alone(args, number, str(args.binary), env, processes, work))
                log(f"run {number}: {json.dumps(runs[-1])}")
                continue
            if not args.only_e2e:
                log(f"run {number}: raw librdkafka baseline, {args.baseline_events} events")
                baseline = librdkafka_baseline(str(args.binary), env, args.baseline_events)
            result = one_run(args, number, str(args.binary), env, processes, work)
            if not args.only_e2e:
                result["librdkafka"] = baseline
            runs.append(result)
            log(f"run {number}: {json.dumps(result)}")
    finally:
        processes.stop_all()
    out = work / f"platform-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(runs, indent=2))
    print(f"platform benchmark, {len(runs)} runs, median (min–max); raw figures in {out.relative_to(ROOT)}")
    print(summary(runs))


if __name__ == "__main__":
    main()
