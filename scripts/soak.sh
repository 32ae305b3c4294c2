#!/usr/bin/env bash
# The whole platform at a steady load for a while, resident memory and open files of every process
# sampled (scripts/soak/soak.py says what and how):
#   scripts/soak.sh                      30 minutes at 3,000 events/s, release build; plot in docs/soak.png
#   scripts/soak.sh --minutes 5 --rate 1000
#   scripts/soak.sh --minutes 30 --rate 2000     (the README's run)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PROJECT_ROOT"
"$PROJECT_ROOT/scripts/setup.sh"
"$PROJECT_ROOT/scripts/infra.sh" start
# shellcheck source=/dev/null
source "$ENV_FILE"
swift build -c release --product eventplatform
"$VENV_DIR/bin/pip" show -q matplotlib >/dev/null 2>&1 || "$VENV_DIR/bin/pip" install -q --disable-pip-version-check matplotlib
exec "$VENV_DIR/bin/python" "$PROJECT_ROOT/scripts/soak/soak.py" --binary "$(swift build -c release --show-bin-path)/eventplatform" "$@"
