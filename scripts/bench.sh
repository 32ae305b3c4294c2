#!/usr/bin/env bash
# Runs a benchmark in a release build against the local broker and database:
#   scripts/bench.sh publisher|gateway|collector|reporter [options of `eventplatform bench <name>`]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PROJECT_ROOT"
[ $# -ge 1 ] || die "usage: $0 publisher|gateway|collector|reporter [options]"

"$PROJECT_ROOT/scripts/setup.sh"
"$PROJECT_ROOT/scripts/infra.sh" start
# shellcheck source=/dev/null
source "$ENV_FILE"
swift build -c release --product eventplatform
exec "$(swift build -c release --show-bin-path)/eventplatform" bench "$@"
