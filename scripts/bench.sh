#!/usr/bin/env bash
# Runs a benchmark in a release build against the local broker and database:
#   scripts/bench.sh publisher|gateway|collector|reporter|scaling [options of `eventplatform bench <name>`]
# `scaling` also plots its CSV files into docs/scaling.png (matplotlib, installed into the project's venv).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PROJECT_ROOT"
[ $# -ge 1 ] || die "usage: $0 publisher|gateway|collector|reporter|scaling [options]"

"$PROJECT_ROOT/scripts/setup.sh"
"$PROJECT_ROOT/scripts/infra.sh" start
# shellcheck source=/dev/null
source "$ENV_FILE"
swift build -c release --product eventplatform
if [ "$1" = scaling ]; then
  "$(swift build -c release --show-bin-path)/eventplatform" bench "$@"
  "$VENV_DIR/bin/pip" show -q matplotlib >/dev/null 2>&1 || "$VENV_DIR/bin/pip" install -q --disable-pip-version-check matplotlib
  exec "$VENV_DIR/bin/python" "$PROJECT_ROOT/scripts/plot-scaling.py" .local/bench/scaling docs/scaling.png
fi
exec "$(swift build -c release --show-bin-path)/eventplatform" bench "$@"
