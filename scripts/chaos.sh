#!/usr/bin/env bash
# Fault injection against the real platform on this machine (scripts/chaos/chaos.py says what and how):
#   scripts/chaos.sh --short          the CI form (~3 minutes): 5 collector kills and one of every other fault
#   scripts/chaos.sh                  the long form (10 minutes of traffic, 24 collector kills)
#   scripts/chaos.sh --seed N ...     the same fault schedule again
# Uses the local PostgreSQL (its own database; it restarts the server twice) and a broker of its own.
# The debug build by default (the suite's, already built); CONFIGURATION=release for the release build.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PROJECT_ROOT"
"$PROJECT_ROOT/scripts/setup.sh"
"$PROJECT_ROOT/scripts/infra.sh" start
# shellcheck source=/dev/null
source "$ENV_FILE"
CONFIGURATION=${CONFIGURATION:-debug}
swift build -c "$CONFIGURATION" --product eventplatform
exec "$VENV_DIR/bin/python" "$PROJECT_ROOT/scripts/chaos/chaos.py" --binary "$(swift build -c "$CONFIGURATION" --show-bin-path)/eventplatform" "$@"
