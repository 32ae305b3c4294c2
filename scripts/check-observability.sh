#!/usr/bin/env bash
# Checks the observability files (docs/observability.md): alert rules, dashboards, and both against real data.
#
#   scripts/check-observability.sh            all three steps
#   scripts/check-observability.sh --static   steps 1 and 2 only (no platform, no Prometheus needed)
#   scripts/check-observability.sh --live     step 3 only
#   options after `--` go to Tests/Observability/live_check.py (e.g. -- --count 50000 --keep-running)
#
# 1. rules:      promtool check rules dashboards/alerts.yaml; promtool test rules dashboards/alerts.test.yaml;
#                every alert has a severity, summary, description and a runbook_url section in docs/runbook.md
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

  # every alert: severity, summary, description, and a runbook_url whose anchor is a heading of docs/runbook.md
  run "$PYTHON" - <<'PY'
import re, sys, yaml
anchors = {re.sub(r"[^a-z0-9 -]", "", l[3:].strip().lower()).replace(" ", "-")
           for l in open("docs/runbook.md") if l.startswith("## ")}
bad = n = 0
for g in yaml.safe_load(open("dashboards/alerts.yaml"))["groups"]:
    for r in g["rules"]:
        if "alert" not in r:
            continue
        n += 1
        ann, why = r.get("annotations") or {}, []
        why += [f"no {k}" for k in ("summary", "description", "runbook_url") if not ann.get(k)]
        if (r.get("labels") or {}).get("severity") not in ("warning", "critical"):
            why.append("severity is not warning or critical")
        url = ann.get("runbook_url", "")
        if not url.startswith("docs/runbook.md#") or url.split("#", 1)[1] not in anchors:
            why.append(f"runbook_url {url!r} is not a section of docs/runbook.md")
        for w in why:
            print(f"FAIL alert {r['alert']}: {w}")
        bad += bool(why)
print(f"{n - bad} of {n} alerts have severity, summary, description and a runbook section")
sys.exit(1 if bad else 0)
PY

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
