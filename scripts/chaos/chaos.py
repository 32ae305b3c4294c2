#!/usr/bin/env python3
"""`scripts/chaos.sh`: the platform under injected faults, and a count of what survived them.

Runs the platform as separate processes (gateway, reporter, autoscaler with its collectors) on a broker
of its own and a database of its own on the local PostgreSQL, and posts through the gateway the way a
webhook sender does: every request is retried on 503, 5xx, connection errors and timeouts with the
same body (same event ids) until it is answered 202. The ids answered 202 are the ground truth.
Meanwhile, at random moments (seeded), it injects:

  collector-kill    SIGKILL of a collector process (the autoscaler restarts it)
  gateway-kill      SIGKILL of the gateway while a bulk request is in flight, then a new gateway
  broker-pause      SIGSTOP of the broker for longer than the gateway's delivery timeout, then SIGCONT
  postgres-fast     PostgreSQL restarted in fast mode
  postgres-crash    PostgreSQL restarted in immediate mode (a crash: WAL recovery)
  session-kill      pg_terminate_backend of the collectors' busy database sessions
  poison            records that are not events, produced straight into a source topic

and the traffic's bursts and pauses make the autoscaler scale out and in. At the end, once every group's
lag is zero: every event answered 202 is stored exactly once, no event is stored that was never sent,
the reports' totals and revenue equal the ground truth, and the dead-letter topic holds exactly the
poison. Each fault's recovery time is measured: from the fault's end until the gateway answers 202
again and the collectors' stored offsets move again. Exit status 1 when anything does not hold.
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "pylib"))
from local_platform import (collector_processes, fresh_database, free_port, http_ok, logger, psql,  # noqa: E402
                            stored_offsets, total_lag, wait_until, with_database)
from sample_events import revenue_of, social_event  # noqa: E402

LOCAL = ROOT / ".local"


log = logger("chaos")


# MARK: The platform

class Platform:
    """The processes under test; each can be killed and started again on the same ports."""

    def __init__(self, binary, env, work, delivery_timeout_ms):
        self.binary, self.work = binary, work
        self.prefix = f"chaos-{random.randrange(1 << 30):x}-"
        self.broker_port = free_port()
        self.ports = {name: free_port() for name in ("gateway", "reporter", "autoscaler")}
        self.admin_url = env["DATABASE_URL"]
        self.database_url = with_database(self.admin_url, "eventplatform_chaos")
        self.env = dict(env, KAFKA_BROKERS=f"127.0.0.1:{self.broker_port}", DATABASE_URL=self.database_url,
                        KAFKA_TOPIC_PREFIX=self.prefix, PUBLISHER_DELIVERY_TIMEOUT_MS=str(delivery_timeout_ms),
                        AUTOSCALER_SCRAPE_TARGETS_FILE=str(work / "collectors.json"))
        self.processes = {}

    def start_broker(self):
        self.processes["broker"] = self._spawn(
            "broker", [os.environ["TANSU_BIN"], "broker", "--listener-url", f"tcp://127.0.0.1:{self.broker_port}",
                       "--advertised-listener-url", f"tcp://127.0.0.1:{self.broker_port}", "--storage-engine", "memory://tansu/"])
        wait_until(lambda: self._port_open(self.broker_port), 30, "the broker listening")

    def prepare(self):
        fresh_database(self.admin_url, "eventplatform_chaos")
        self._run([self.binary, "migrate"])
        self._run([self.binary, "topics"])

    def start(self, name, extra_args=()):
        commands = {
            "gateway": [self.binary, "gateway", "--gateway-port", str(self.ports["gateway"]), "--gateway-host", "127.0.0.1"],
            "reporter": [self.binary, "reporter", "--reporter-port", str(self.ports["reporter"]), "--reporter-host", "127.0.0.1"],
            "autoscaler": [self.binary, "autoscale", "--autoscaler-port", str(self.ports["autoscaler"]), *extra_args],
        }
        self.processes[name] = self._spawn(name, commands[name])
        if name != "autoscaler":
            wait_until(lambda: http_ok(self.url(name) + "/health/ready"), 60, f"the {name} ready")

    def url(self, name):
        return f"http://127.0.0.1:{self.ports[name]}"

    def kill(self, name, sig=signal.SIGKILL):
        child = self.processes[name]
        os.kill(child.pid, sig)
        if sig == signal.SIGKILL:
            child.wait()

    def collectors(self):
        """Pids of the running collector processes of this run."""
        return list(collector_processes(self.prefix))

    def stored_offsets(self):
        try:
            return stored_offsets(self.database_url)
        except subprocess.CalledProcessError:
            return None

    def total_lag(self):
        return total_lag(self.binary, self.env)

    def stop_all(self):
        for name in ("gateway", "reporter", "autoscaler", "broker"):
            child = self.processes.get(name)
            if child and child.poll() is None:
                os.kill(child.pid, signal.SIGINT if name != "broker" else signal.SIGTERM)
                try:
                    child.wait(60)
                except subprocess.TimeoutExpired:
                    child.kill()
        for pid in self.collectors():  # none should be left: the autoscaler stops its collectors
            log(f"a collector (pid {pid}) outlived the autoscaler; killing it")
            os.kill(pid, signal.SIGKILL)

    def _spawn(self, name, command):
        handle = open(self.work / f"{name}.log", "a")
        return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=self.env)

    def _run(self, command):
        return subprocess.run(command, env=self.env, capture_output=True, text=True, check=True)

    @staticmethod
    def _port_open(port):
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0


# MARK: The load

class Load:
    """Webhook senders that retry each request until it is answered 202, and the ground truth."""

    def __init__(self, platform, seed, clients, pause_every):
        self.platform, self.clients, self.pause_every = platform, clients, pause_every
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.accepted = {}          # (source, event id) -> revenue
        self.last_accepted_at = 0.0
        self.retries = 0
        self.statuses = {}
        self.bulk_in_flight = threading.Event()
        self.stopping = threading.Event()
        self.failures = []
        self.days = [time.strftime("%Y-%m-%d", time.gmtime(time.time() - d * 86_400)) for d in (1, 2, 3)]
        self.threads = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(clients)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self, seconds):
        self.stopping.set()
        for thread in self.threads:
            thread.join(seconds)
        if any(thread.is_alive() for thread in self.threads):
            self.failures.append(f"requests still unanswered {seconds} s after the load stopped")

    def _client(self, number):
        rng = random.Random(self.rng.random())
        sequence = 0
        started = time.monotonic()
        while not self.stopping.is_set():
            # Bursts and quiet spells, so that lag rises past the threshold and falls back to zero.
            if self.pause_every and int((time.monotonic() - started) / self.pause_every) % 3 == 2:
                time.sleep(0.5)
                continue
            sequence += 1
            size = rng.choice([1, 1, 50, 500, 2_000])
            events = [social_event(rng, f"c{number}-{sequence}-{i}", rng.choice(self.days)) for i in range(size)]
            if size == 1:
                path, body = "/webhook/events", events[0]
            else:
                path, body = "/webhook/events/bulk", '{"events":[' + ",".join(events) + "]}"
            self._send_until_accepted(path, body.encode(), events, bulk=size >= 500)

    def _send_until_accepted(self, path, body, events, bulk):
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            status, payload = self._post(path, body, bulk)
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 202:
                answer = json.loads(payload)
                if answer["accepted"] != len(events) or answer["rejected"] != 0:
                    self.failures.append(f"a request of {len(events)} valid events was answered {payload[:300]!r}")
                with self.lock:
                    for event in events:
                        parsed = json.loads(event)
                        self.accepted[(parsed["source"], parsed["eventId"])] = revenue_of(event)
                    self.last_accepted_at = time.monotonic()
                return
            if status is not None and status < 500 and status != 429:
                self.failures.append(f"{path} answered {status}: {payload[:300]!r}")
                return
            with self.lock:
                self.retries += 1
            time.sleep(0.2)
        self.failures.append(f"a request to {path} was not accepted within 300 s")

    def _post(self, path, body, bulk):
        gateway = self.platform.ports["gateway"]
        connection = http.client.HTTPConnection("127.0.0.1", gateway, timeout=30)
        try:
            if bulk:
                self.bulk_in_flight.set()
            connection.request("POST", path, body, {"Content-Type": "application/json"})
            answer = connection.getresponse()
            return answer.status, answer.read()
        except (OSError, http.client.HTTPException):
            return None, b""
        finally:
            if bulk:
                self.bulk_in_flight.clear()
            connection.close()


# MARK: Faults

class Faults:
    def __init__(self, platform, load, args):
        self.platform, self.load, self.args = platform, load, args
        self.recoveries = []      # (fault, seconds until 202 again, seconds until offsets move again)
        self.poison = []
        self.scale_events = []
        self.probes = 0
        self.desired = {}

    def recovered(self, fault, since):
        """Sends probe events (one per request, retried like the load's) until one is answered 202, then
        waits until the collectors' stored offsets move past where they were: the seconds from `since`
        to each. The probes are part of the ground truth; they make the figures independent of whether
        the load happens to be in a quiet spell."""
        offsets = self.platform.stored_offsets()
        rng = random.Random(since)
        self.probes += 1
        event = social_event(rng, f"probe-{self.probes}", self.load.days[0])
        self.load._send_until_accepted("/webhook/events", event.encode(), [event], bulk=False)
        accepted_at = time.monotonic()
        def moved():
            now = self.platform.stored_offsets()
            return now is not None and (offsets is None or now > offsets)
        stored_at = wait_until(moved, 180, f"stored offsets moving after {fault}")
        self.recoveries.append((fault, accepted_at - since, stored_at - since))
        log(f"{fault}: 202 again after {accepted_at - since:.1f} s, offsets moving after {stored_at - since:.1f} s")

    def collector_kill(self):
        collectors = self.platform.collectors()
        if not collectors:
            wait_until(lambda: self.platform.collectors(), 60, "a collector running")
            collectors = self.platform.collectors()
        victim = random.choice(collectors)
        os.kill(victim, signal.SIGKILL)
        self.recovered("collector-kill", time.monotonic())

    def gateway_kill(self):
        # Up to a quiet spell's length and then some: the load may be pausing.
        wait_until(self.load.bulk_in_flight.is_set, 3 * self.load.pause_every + 60, "a bulk request in flight")
        time.sleep(random.uniform(0, 0.05))
        self.platform.kill("gateway")
        log("gateway killed; starting a new one")
        self.platform.start("gateway")
        self.recovered("gateway-kill", time.monotonic())

    def broker_pause(self):
        seconds = self.args.delivery_timeout_ms / 1000 + 2
        self.platform.kill("broker", signal.SIGSTOP)
        time.sleep(seconds)
        self.platform.kill("broker", signal.SIGCONT)
        self.recovered(f"broker-pause ({seconds:.0f} s)", time.monotonic())

    def postgres_restart(self, mode):
        subprocess.run([str(ROOT / "scripts" / "infra.sh"), "restart-postgres", mode], check=True, capture_output=True)
        self.recovered("postgres-fast" if mode == "fast" else "postgres-crash", time.monotonic())

    def session_kill(self):
        killed = 0
        deadline = time.monotonic() + 30
        while killed == 0 and time.monotonic() < deadline:
            killed = int(psql(self.platform.database_url, """
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
                  AND query NOT ILIKE '%pg_stat_activity%'""") or 0)
            time.sleep(0.05)
        log(f"session-kill: {killed} busy sessions terminated")
        self.recovered("session-kill", time.monotonic())

    def inject_poison(self, count):
        from confluent_kafka import Producer
        producer = Producer({"bootstrap.servers": f"127.0.0.1:{self.platform.broker_port}", "acks": "all"})
        topic = self.platform.prefix + "events.facebook"
        def delivered(error, message):
            if error is None:
                self.poison.append((message.topic(), message.partition(), message.offset()))
        for index in range(count):
            producer.produce(topic, value=f"not an event {index} {{".encode(), key=f"poison-{index}".encode(), on_delivery=delivered)
        producer.flush(30)
        log(f"poison: {len(self.poison)} records produced into {topic}")

    def watch_scaling(self, stopping):
        """The autoscaler's decisions per group over time (`autoscaler_desired_replicas` from its /metrics;
        the running count also drops when a collector is killed)."""
        last = self.desired
        while not stopping.is_set():
            try:
                with urllib.request.urlopen(self.platform.url("autoscaler") + "/metrics", timeout=2) as answer:
                    for line in answer.read().decode().splitlines():
                        if line.startswith("autoscaler_desired_replicas{"):
                            group = line.split('group="')[1].split('"')[0]
                            value = int(float(line.split()[-1]))
                            if last.get(group) not in (None, value):
                                self.scale_events.append((group, last[group], value))
                            last[group] = value
            except OSError:
                pass
            stopping.wait(1)


# MARK: Verdict

def get_json(url):
    """GET as a client of the reports API does: a 503 is retried after its Retry-After."""
    for attempt in range(5):
        try:
            with urllib.request.urlopen(url, timeout=30) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            if error.code != 503 or attempt == 4:
                raise
            time.sleep(float(error.headers.get("Retry-After", "1")))


def verdict(platform, load, faults, work):
    problems = list(load.failures)
    truth = load.accepted
    dump = work / "accepted.csv"
    dump.write_text("".join(f"{source},{event_id}\n" for source, event_id in truth))
    url = platform.database_url
    psql(url, "DROP TABLE IF EXISTS chaos_accepted")
    psql(url, "CREATE TABLE chaos_accepted (source text, event_id text)")
    subprocess.run(["psql", url, "-qc", f"\\copy chaos_accepted FROM '{dump}' CSV"], check=True, capture_output=True)
    lost = int(psql(url, """SELECT count(*) FROM chaos_accepted a WHERE NOT EXISTS
        (SELECT 1 FROM events e WHERE e.source = a.source AND e.event_id = a.event_id)"""))
    doubled = int(psql(url, "SELECT count(*) FROM (SELECT 1 FROM events GROUP BY source, event_id HAVING count(*) > 1) d"))
    unknown = int(psql(url, """SELECT count(*) FROM events e WHERE NOT EXISTS
        (SELECT 1 FROM chaos_accepted a WHERE a.source = e.source AND a.event_id = e.event_id)"""))
    stored = int(psql(url, "SELECT count(*) FROM events"))
    psql(url, "DROP TABLE chaos_accepted")
    if lost or doubled or unknown:
        problems.append(f"{lost} accepted events lost, {doubled} stored twice, {unknown} stored but never sent")

    days = sorted(load.days)
    query = urllib.parse.urlencode({"from": days[0], "to": days[-1], "groupBy": "source"})
    report = get_json(f"{platform.url('reporter')}/reports/events?{query}")
    expected_by_source = {}
    for source, _ in truth:
        expected_by_source[source] = expected_by_source.get(source, 0) + 1
    if report["total"] != len(truth):
        problems.append(f"the events report counts {report['total']}, {len(truth)} were accepted")
    reported_by_source = {group["key"]: group["count"] for group in report["groups"]}
    if reported_by_source != expected_by_source:
        problems.append(f"the events report per source {reported_by_source}, accepted {expected_by_source}")
    query = urllib.parse.urlencode({"from": days[0], "to": days[-1]})
    revenue = get_json(f"{platform.url('reporter')}/reports/revenue?{query}")
    expected_revenue = sum(truth.values(), Decimal(0))
    if Decimal(revenue["total_revenue"]) != expected_revenue:
        problems.append(f"the revenue report says {revenue['total_revenue']}, the accepted events add up to {expected_revenue}")

    dead = dead_letters(platform)
    if sorted(set(dead)) != sorted(faults.poison):
        problems.append(f"the dead-letter topic holds {sorted(set(dead))[:10]}…, the poison was {sorted(faults.poison)[:10]}…")
    return {"accepted": len(truth), "stored": stored, "lost": lost, "doubled": doubled, "unknown": unknown,
            "report_total": report["total"], "revenue": revenue["total_revenue"], "expected_revenue": str(expected_revenue),
            "dead_letters": len(dead), "distinct_dead_letters": len(set(dead)), "poison": len(faults.poison),
            "retries": load.retries, "statuses": {str(k): v for k, v in load.statuses.items()}}, problems


def dead_letters(platform):
    """(topic, partition, offset) of the original of every record in the dead-letter topic."""
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": f"127.0.0.1:{platform.broker_port}", "group.id": "chaos-verdict",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    topic = platform.prefix + "events.dlq"
    metadata = consumer.list_topics(topic, timeout=10)
    partitions = [TopicPartition(topic, p, 0) for p in metadata.topics[topic].partitions]
    ends = {p.partition: consumer.get_watermark_offsets(p, timeout=10)[1] for p in partitions}
    consumer.assign(partitions)
    seen, origins = {p: 0 for p in ends}, []
    deadline = time.monotonic() + 60
    while any(seen[p] < ends[p] for p in ends) and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None or message.error():
            continue
        seen[message.partition()] = message.offset() + 1
        headers = dict(message.headers() or [])
        origins.append((headers["dlq-topic"].decode(), int(headers["dlq-partition"]), int(headers["dlq-offset"])))
    consumer.close()
    return origins


# MARK: Main

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--short", action="store_true", help="the CI form: fewer faults, shorter traffic")
    parser.add_argument("--seconds", type=int, help="seconds of traffic (default 60 short, 600 long)")
    parser.add_argument("--collector-kills", type=int, help="default 5 short, 24 long")
    parser.add_argument("--poison", type=int, default=7)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--delivery-timeout-ms", type=int, default=3000)
    args = parser.parse_args()
    args.seconds = args.seconds or (60 if args.short else 600)
    args.collector_kills = args.collector_kills if args.collector_kills is not None else (5 if args.short else 24)
    random.seed(args.seed)
    work = LOCAL / "chaos" / time.strftime("%Y%m%d-%H%M%S")
    work.mkdir(parents=True, exist_ok=True)
    log(f"seed {args.seed}, {args.seconds} s of traffic, logs in {work}")

    platform = Platform(args.binary, os.environ, work, args.delivery_timeout_ms)
    # Two units of traffic, then a quiet unit: the lag rises past the threshold and drains again.
    load = Load(platform, args.seed, args.clients, pause_every=15 if args.short else max(15, args.seconds // 9))
    faults = Faults(platform, load, args)
    stopping = threading.Event()
    problems, figures = [], {}
    try:
        platform.start_broker()
        platform.prepare()
        platform.start("gateway")
        platform.start("reporter")
        platform.start("autoscaler", ["--min-replicas", "1", "--max-replicas", "3", "--lag-threshold", "2000",
                                      "--polling-interval", "2", "--scale-down-stabilization", "10"])
        wait_until(lambda: len(platform.collectors()) >= 3, 60, "a collector per source")
        scaling = threading.Thread(target=faults.watch_scaling, args=(stopping,), daemon=True)
        scaling.start()
        load.start()

        plan = ["collector-kill"] * args.collector_kills + ["gateway-kill", "broker-pause", "postgres-fast",
                                                            "postgres-crash", "session-kill", "poison"]
        random.shuffle(plan)
        started = time.monotonic()
        at = sorted(random.uniform(5, args.seconds * 0.8) for _ in plan)
        for moment, fault in zip(at, plan):
            time.sleep(max(0, started + moment - time.monotonic()))
            log(f"injecting {fault}")
            try:
                if fault == "collector-kill":
                    faults.collector_kill()
                elif fault == "gateway-kill":
                    faults.gateway_kill()
                elif fault == "broker-pause":
                    faults.broker_pause()
                elif fault in ("postgres-fast", "postgres-crash"):
                    faults.postgres_restart("fast" if fault == "postgres-fast" else "immediate")
                elif fault == "session-kill":
                    faults.session_kill()
                else:
                    faults.inject_poison(args.poison)
            except RuntimeError as error:  # not injected or not recovered from: a finding, and the run goes on
                problems.append(f"{fault}: {error}")
                log(f"{fault}: {error}")
        time.sleep(max(0, started + args.seconds - time.monotonic()))
        log("stopping the load; every open request is retried until answered")
        load.stop(300)
        wait_until(lambda: platform.total_lag() == 0, 600, "every group's lag at zero")
        # With nothing left to read, the autoscaler scales every group in to its minimum.
        wait_until(lambda: faults.desired and all(v == 1 for v in faults.desired.values()), 120, "scale-in to one replica per group")
        time.sleep(3)  # the reporter's answer cache (1 s) and the last complete-through marks
        stopping.set()
        figures, found = verdict(platform, load, faults, work)
        problems += found
    except Exception as error:  # noqa: BLE001 - every failure ends in the verdict
        problems.append(f"the run failed: {error!r}")
    finally:
        stopping.set()
        platform.stop_all()

    kills = sum(1 for fault, *_ in faults.recoveries if fault == "collector-kill")
    figures.update({"seed": args.seed, "seconds": args.seconds, "collector_kills": kills,
                    "recoveries": faults.recoveries, "scale_events": faults.scale_events})
    if not any(new > old for _, old, new in faults.scale_events):
        problems.append("the autoscaler never scaled out during the traffic")
    if not any(new < old for _, old, new in faults.scale_events):
        problems.append("the autoscaler never scaled in during the traffic")
    (work / "result.json").write_text(json.dumps(figures, indent=2, default=str))
    print(report(figures))
    for problem in problems:
        print(f"FAILED: {problem}")
    print("chaos: " + ("passed" if not problems else "failed") + f" (details in {work.relative_to(ROOT)})")
    sys.exit(1 if problems else 0)


def report(figures):
    lines = [f"faults injected: {len(figures.get('recoveries', []))} ({figures.get('collector_kills', 0)} collector kills), "
             f"seed {figures['seed']}, {figures['seconds']} s of traffic",
             f"events accepted (202): {figures.get('accepted', '?')}, stored: {figures.get('stored', '?')}, "
             f"lost: {figures.get('lost', '?')}, doubled: {figures.get('doubled', '?')}, never sent but stored: {figures.get('unknown', '?')}",
             f"reports: total {figures.get('report_total', '?')}, revenue {figures.get('revenue', '?')} (accepted: {figures.get('expected_revenue', '?')})",
             f"dead letters: {figures.get('dead_letters', '?')} ({figures.get('distinct_dead_letters', '?')} distinct) for {figures.get('poison', '?')} poison records",
             f"client retries: {figures.get('retries', '?')}, answers by status: {figures.get('statuses', {})}",
             f"scaling: {figures.get('scale_events')}",
             "| fault | until 202 again (s) | until stored offsets move (s) |", "| --- | --- | --- |"]
    by_fault = {}
    for fault, accepted, stored in figures.get("recoveries", []):
        by_fault.setdefault(fault.split(" ")[0], []).append((accepted, stored))
    for fault, values in sorted(by_fault.items()):
        accepted = [a for a, _ in values]
        stored = [s for _, s in values]
        def span(xs):
            return f"{min(xs):.1f}" if len(xs) == 1 else f"{min(xs):.1f} – {max(xs):.1f} ({len(xs)}×)"
        lines.append(f"| {fault} | {span(accepted)} | {span(stored)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
