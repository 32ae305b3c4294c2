#!/usr/bin/env bash
# Checks the observability files (docs/observability.md): alert rules, dashboards, and both against real data.
#
#   scripts/check-observability.sh            all three steps
#   scripts/check-observability.sh --static   steps 1 and 2 only (no platform, no Prometheus needed)
#   scripts/check-observability.sh --live     step 3 only
#   options after `--` go to Tests/Observability/live_check.py (e.g. -- --count 50000 --keep-running)
#
# 1. rules:      promtool check rules dashboards/alerts.yaml; promtool test rules dashboards/alerts.test.yaml
# 2. dashboards: dashboards/*.json are what scripts/build-dashboards.py writes, and validate against Grafana
#                11.6's dashboard and panel schemas (Tests/Observability/grafana-dashboard-lint.py: schema, ids,
#                grid, variables, PromQL syntax through promtool); the provisioning files parse.
# 3. live:       scripts/infra.sh start (PostgreSQL, broker, exporter, Prometheus; reuses what runs), then
#                Tests/Observability/live_check.py: `eventplatform up` with traffic, every panel, variable and
#                recording rule query must return data from the local Prometheus, alert expressions must
#                evaluate, every metric they name must be exported; the platform is stopped with SIGINT.
#                Infrastructure this script started is left running (like scripts/run.sh); stop it with
#                scripts/infra.sh stop.
# Installs what it needs through scripts/setup.sh. Exits non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PROJECT_ROOT"

static=1 live=1 live_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --static) live=0 ;;
    --live) static=0 ;;
    --) shift; live_args=("$@"); break ;;
    *) die "unknown option $1 (see the header of $0)" ;;
  esac
  shift
done

"$PROJECT_ROOT/scripts/setup.sh"
PYTHON="$VENV_DIR/bin/python"
failed=()
step() { log "== $*"; }
run() { "$@" || { failed+=("$*"); log "FAILED: $*"; }; }
started=$SECONDS

if [ "$static" -eq 1 ]; then
  step "1. alert rules"
  run promtool check rules dashboards/alerts.yaml
  run promtool test rules dashboards/alerts.test.yaml

  step "2. dashboards"
  run "$PYTHON" scripts/build-dashboards.py --check
  run "$PYTHON" Tests/Observability/grafana-dashboard-lint.py --schemas Tests/Observability/schemas/grafana-v11.6 dashboards/*.json
  run "$PYTHON" - <<'PY'
import glob, sys, yaml
bad = 0
for path in sorted(glob.glob("dashboards/provisioning/*/*.yaml")):
    doc = yaml.safe_load(open(path))
    key = "datasources" if "/datasources/" in path else "providers"
    if doc.get("apiVersion") != 1 or not doc.get(key):
        print(f"FAIL {path}: needs apiVersion 1 and a non-empty {key} list"); bad += 1
    else:
        print(f"OK   {path}")
sys.exit(1 if bad else 0)
PY
fi

if [ "$live" -eq 1 ]; then
  step "3. live: the platform with traffic, scraped by the local Prometheus"
  "$PROJECT_ROOT/scripts/infra.sh" start
  # shellcheck source=/dev/null
  source "$ENV_FILE"
  bin_dir=$(swift build --show-bin-path)
  binary="$bin_dir/eventplatform"
  if [ ! -x "$binary" ] || [ -n "$(find Sources Package.swift -newer "$binary" -print -quit)" ]; then
    log "building eventplatform"
    swift build --product eventplatform || die "swift build --product eventplatform failed"
  fi
  run "$PYTHON" Tests/Observability/live_check.py --binary "$binary" --prom "$PROMETHEUS_URL" "${live_args[@]}"
fi

log "took $((SECONDS - started)) s"
if [ ${#failed[@]} -gt 0 ]; then
  log "failed: ${#failed[@]} check(s):"
  for f in "${failed[@]}"; do log "  $f"; done
  exit 1
fi
log "all observability checks passed"
