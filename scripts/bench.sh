#!/usr/bin/env bash
# Runs a benchmark in a release build against the local broker and database:
#   scripts/bench.sh publisher|gateway|collector|reporter|scaling [options of `eventplatform bench <name>`]
#   scripts/bench.sh platform [options of scripts/bench-platform/bench_platform.py, e.g. --runs 3]
# `scaling` also plots its CSV files into docs/scaling.png (matplotlib, installed into the project's venv).
# `platform` measures the whole platform as `up` runs it, from outside (wrk, curl, Python clients), beside
# the Python peer in scripts/bench-platform/peer (its pinned packages go into .local/peer-venv).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PROJECT_ROOT"
[ $# -ge 1 ] || die "usage: $0 publisher|gateway|collector|reporter|scaling|platform [options]"

"$PROJECT_ROOT/scripts/setup.sh"
"$PROJECT_ROOT/scripts/infra.sh" start
# shellcheck source=/dev/null
source "$ENV_FILE"
swift build -c release --product eventplatform
BIN="$(swift build -c release --show-bin-path)/eventplatform"
if [ "$1" = platform ]; then
  if ! command -v wrk >/dev/null; then
    [ "$(id -u)" -eq 0 ] || die "wrk is missing: apt-get install wrk"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null || die "apt-get install wrk failed"
  fi
  PEER_VENV="$LOCAL_DIR/peer-venv"
  [ -x "$PEER_VENV/bin/python" ] || python3 -m venv "$PEER_VENV"
  "$PEER_VENV/bin/pip" install -q --disable-pip-version-check -r "$PROJECT_ROOT/scripts/bench-platform/peer/requirements.txt"
  shift
  exec python3 "$PROJECT_ROOT/scripts/bench-platform/bench_platform.py" --binary "$BIN" --peer-python "$PEER_VENV/bin/python" "$@"
fi
if [ "$1" = scaling ]; then
  "$BIN" bench "$@"
  "$VENV_DIR/bin/pip" show -q matplotlib >/dev/null 2>&1 || "$VENV_DIR/bin/pip" install -q --disable-pip-version-check matplotlib
  exec "$VENV_DIR/bin/python" "$PROJECT_ROOT/scripts/plot-scaling.py" .local/bench/scaling docs/scaling.png
fi
exec "$BIN" bench "$@"
