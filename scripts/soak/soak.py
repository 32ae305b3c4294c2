#!/usr/bin/env python3
"""`scripts/soak.sh [minutes]`: the whole platform at a steady load, its processes' resources sampled.

Starts `eventplatform up --no-traffic` (a database and topics of its own) and its load generator
(`eventplatform publish`, through the gateway, at a fixed rate), and every 10 s samples each process
of the platform: resident memory, open files and threads of the `up` process (gateway, reporter,
autoscaler) and of every collector process, and the collectors' total lag. Writes the samples to
`.local/soak/<time>/samples.csv`, a plot to `docs/soak.png`, and prints, per process, the median of the
middle and of the last fifth of the run (the first two fifths are the warm-up): flat means the last is
within 10% (memory) of the middle and open files do not grow. `--summarize samples.csv` redoes that
for an earlier run. Exit status 1 when one is not flat or the lag did not stay bounded.
"""
import argparse
import csv
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "pylib"))
from local_platform import collector_processes, fresh_database, free_port, http_ok, logger, total_lag, wait_until  # noqa: E402


log = logger("soak")


def process_sample(pid):
    """(resident MiB, open files, threads) of `pid`, or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024
        threads = int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])
        files = len(os.listdir(f"/proc/{pid}/fd"))
        return rss, files, threads
    except (OSError, StopIteration):
        return None


def rows_of(path):
    with open(path) as handle:
        return [{key: float(value) for key, value in row.items() if value != ""} for row in csv.DictReader(handle)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=int, default=3000, help="events per second through the gateway")
    parser.add_argument("--plot", default=str(ROOT / "docs" / "soak.png"))
    parser.add_argument("--summarize", help="only summarize and plot the samples.csv of an earlier run")
    args = parser.parse_args()
    if args.summarize:
        rows = rows_of(args.summarize)
        problems = summarize(rows)
        plot(rows, args.plot)
        sys.exit(1 if problems else 0)

    work = ROOT / ".local" / "soak" / time.strftime("%Y%m%d-%H%M%S")
    work.mkdir(parents=True, exist_ok=True)
    prefix = f"soak-{os.getpid()}-"
    env = dict(os.environ, DATABASE_URL=fresh_database(os.environ["DATABASE_URL"], "eventplatform_soak"),
               KAFKA_TOPIC_PREFIX=prefix)
    ports = {name: free_port() for name in ("gateway", "reporter", "autoscaler")}
    up = subprocess.Popen(
        [args.binary, "up", "--no-traffic", "--gateway-port", str(ports["gateway"]), "--reporter-port", str(ports["reporter"]),
         "--autoscaler-port", str(ports["autoscaler"]), "--collector-port-base", "0"],
        stdout=open(work / "up.log", "w"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    wait_until(lambda: http_ok(f"http://127.0.0.1:{ports['gateway']}/health/ready"), 90, "the gateway ready", interval=0.5)
    seconds = int(args.minutes * 60)
    load = subprocess.Popen(
        [args.binary, "publish", "--gateway-url", f"http://127.0.0.1:{ports['gateway']}", "--mode", "array", "--batch", "20",
         "--rate", str(args.rate), "--duration", str(seconds), "--count", str(args.rate * seconds * 2)],
        stdout=open(work / "publish.log", "w"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    log(f"{args.minutes:g} minutes at {args.rate} events/s; samples in {work}")

    rows = []
    started = time.monotonic()
    try:
        while load.poll() is None:
            at = time.monotonic() - started
            row = {"seconds": round(at), "lag": total_lag(args.binary, env)}
            sample = process_sample(up.pid)
            if sample:
                row["up_rss_mib"], row["up_files"], row["up_threads"] = sample
            by_source = {}
            for pid, source in collector_processes(prefix).items():
                sample = process_sample(pid)
                if sample:
                    by_source.setdefault(source, []).append(sample)
            for source, samples in by_source.items():
                row[f"{source}_collectors"] = len(samples)
                row[f"{source}_rss_mib"] = max(s[0] for s in samples)
                row[f"{source}_files"] = max(s[1] for s in samples)
            rows.append(row)
            time.sleep(10)
    finally:
        os.killpg(load.pid, signal.SIGINT) if load.poll() is None else None
        os.killpg(up.pid, signal.SIGINT)
        up.wait(120)

    columns = sorted({key for row in rows for key in row}, key=lambda k: (k != "seconds", k))
    with open(work / "samples.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    problems = summarize(rows)
    plot(rows, args.plot)
    print(f"samples: {work / 'samples.csv'}, plot: {args.plot}")
    for problem in problems:
        print(f"FAILED: {problem}")
    sys.exit(1 if problems else 0)


def summarize(rows):
    # The first two fifths are the warm-up (allocator arenas and buffers grow to the largest batch seen);
    # flat means the middle fifth and the last fifth agree.
    fifth = max(1, len(rows) // 5)
    first, last = rows[2 * fifth:3 * fifth], rows[-fifth:]
    problems = []
    print("| process | resident MiB, middle fifth → last fifth (median) | open files | |")
    print("| --- | --- | --- | --- |")
    for name in ("up", "facebook", "tiktok", "app"):
        rss = f"{name}_rss_mib"
        files = f"{name}_files"
        a = [r[rss] for r in first if rss in r]
        b = [r[rss] for r in last if rss in r]
        fa = [r[files] for r in first if files in r]
        fb = [r[files] for r in last if files in r]
        if not a or not b:
            continue
        growth = statistics.median(b) / statistics.median(a) - 1
        flat = growth < 0.10 and max(fb) <= max(fa) + 2
        print(f"| {name} | {statistics.median(a):.0f} → {statistics.median(b):.0f} ({growth:+.0%}) | "
              f"{max(fa)} → {max(fb)} | {'flat' if flat else 'GROWS'} |")
        if not flat:
            problems.append(f"{name}: resident memory {growth:+.0%}, open files {max(fa)} → {max(fb)}")
    lags = [r["lag"] for r in rows]
    print(f"lag: median {statistics.median(lags):,.0f}, max {max(lags):,} events")
    if statistics.median([r["lag"] for r in last]) > 10 * max(1000, statistics.median([r["lag"] for r in first])):
        problems.append("the collectors fell behind: the lag grew through the run")
    return problems


def plot(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib missing: no plot")
        return
    minutes = [r["seconds"] / 60 for r in rows]
    figure, (memory, files) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for name, label in (("up", "up (gateway, reporter, autoscaler)"), ("facebook", "facebook collector"),
                        ("tiktok", "tiktok collector"), ("app", "app collector")):
        key = f"{name}_rss_mib"
        points = [(m, r[key]) for m, r in zip(minutes, rows) if key in r]
        if points:
            memory.plot(*zip(*points), label=label)
        key = f"{name}_files"
        points = [(m, r[key]) for m, r in zip(minutes, rows) if key in r]
        if points:
            files.plot(*zip(*points), label=label)
    memory.set_ylabel("resident MiB")
    files.set_ylabel("open files")
    files.set_xlabel("minutes")
    memory.legend(fontsize=8)
    memory.set_title("soak: resident memory and open files per process")
    figure.tight_layout()
    figure.savefig(path, dpi=90)


if __name__ == "__main__":
    main()
