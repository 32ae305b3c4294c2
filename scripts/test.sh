#!/usr/bin/env bash
# The project's test command: installs what is missing, starts the local PostgreSQL and broker,
# runs the whole Swift test suite against them, stops them, and exits with the tests' status.
# Extra arguments go to `swift test` (e.g. scripts/test.sh --filter KafkaTests).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PROJECT_ROOT"

"$PROJECT_ROOT/scripts/setup.sh"
trap '"$PROJECT_ROOT/scripts/infra.sh" stop' EXIT
"$PROJECT_ROOT/scripts/infra.sh" start
# shellcheck source=/dev/null
source "$ENV_FILE"

set +e
swift build --build-tests && swift test --skip-build "$@"
status=$?
set -e
log "swift test exited with $status"
exit $status
