"""What the scripts that run the platform from outside share (scripts/chaos, scripts/soak,
scripts/bench-platform): ports, waiting, psql, the collectors' lag and processes."""
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path


def logger(tag):
    """A function that prints `[tag HH:MM:SS] message` to stderr."""
    def log(message):
        print(f"[{tag} {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
    return log


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(url, timeout=2):
    """Whether GET `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status == 200
    except OSError:
        return False


def wait_until(condition, seconds, what, interval=0.1):
    """Polls `condition` until it holds (returns the monotonic time it did) or raises after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(interval)
    raise RuntimeError(f"{what} did not happen within {seconds} s")


def psql(url, sql, *extra):
    """Runs `sql` with psql (stopping at the first error) and returns its unaligned output."""
    return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qtAc", sql, *extra],
                          capture_output=True, text=True, check=True).stdout.strip()


def with_database(url, name):
    """`url` (a PostgreSQL URL) pointing at database `name`."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def fresh_database(server_url, name):
    """Drops and creates database `name` on the server of `server_url`; returns its URL."""
    psql(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(server_url, f"CREATE DATABASE {name}")
    return with_database(server_url, name)


def stored_offsets(url):
    """The sum of the offsets the collectors stored with their batches (it grows as they store)."""
    return int(psql(url, "SELECT coalesce(sum(next_offset), 0) FROM collector_offsets") or 0)


def total_lag(binary, env, prefix=None):
    """The collectors' lag summed over every group, as `eventplatform lag` reads it."""
    command = [binary, "lag"] + (["--topic-prefix", prefix] if prefix else [])
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    return sum(int(line.split("total lag ")[1].split(",")[0]) for line in out.splitlines() if "total lag " in line)


def collector_processes(prefix):
    """{pid: source} of the running collector processes whose command line names `prefix`."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"collector" in argv and prefix.encode() in argv and b"--source" in argv:
            found[int(entry.name)] = argv[argv.index(b"--source") + 1].decode()
    return found
