#!/usr/bin/env bash
# The README's run command: installs what is missing, starts the local PostgreSQL and broker, builds
# the platform and runs it (`eventplatform up`: gateway, a collector per source, sample traffic),
# printing the URLs to look at. Ctrl-C stops the platform; `scripts/infra.sh stop` stops the
# infrastructure. Options go to `eventplatform up` (e.g. --count 100000, --no-traffic).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PROJECT_ROOT"

"$PROJECT_ROOT/scripts/setup.sh"
"$PROJECT_ROOT/scripts/infra.sh" start
# shellcheck source=/dev/null
source "$ENV_FILE"
swift build --product eventplatform
exec "$(swift build --show-bin-path)/eventplatform" up "$@"
