#!/usr/bin/env bash
# The project's test command: installs what is missing, starts the local infrastructure (PostgreSQL,
# broker, Prometheus), runs the whole Swift test suite against it, then the operations checks (alert
# rules and dashboards against the live platform: scripts/check-observability.sh; Dockerfile, compose
# and Helm chart offline: scripts/check-deploy.sh) and the short form of the fault-injection run
# (scripts/chaos.sh --short), and a one-minute libFuzzer run on the JSON parser and validators
# (scripts/fuzz.sh), stops the infrastructure, and fails if any part failed.
# Extra arguments go to `swift test` and skip the operations checks (e.g. scripts/test.sh --filter KafkaTests).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PROJECT_ROOT"

"$PROJECT_ROOT/scripts/setup.sh"
trap '"$PROJECT_ROOT/scripts/infra.sh" stop' EXIT
"$PROJECT_ROOT/scripts/infra.sh" start
# shellcheck source=/dev/null
source "$ENV_FILE"

set +e
if [ $# -eq 0 ]; then
  # One test target after another, each target's tests in parallel: all of them at once on two cores
  # (with the broker, PostgreSQL and the collector processes some tests start) pushed timing-bound tests
  # past their bounds (statement and session timeouts, a server's shutdown within 30 s), a different one
  # in each of three full runs.
  swift build --build-tests
  status=$?
  if [ $status -eq 0 ]; then
    for target in $(sed -n 's/.*\.testTarget(name: "\([A-Za-z]*Tests\)".*/\1/p; s/.*name: "\([A-Za-z]*Tests\)",$/\1/p' Package.swift); do
      log "swift test: $target"
      swift test --skip-build --filter "^$target\\." || status=1
    done
  fi
  (exit $status)
else
  swift build --build-tests && swift test --skip-build "$@"
fi
status=$?
log "swift test exited with $status"
if [ $# -eq 0 ]; then
  "$PROJECT_ROOT/scripts/check-observability.sh"
  observability=$?
  log "check-observability.sh exited with $observability"
  "$PROJECT_ROOT/scripts/check-deploy.sh"
  deploy=$?
  log "check-deploy.sh exited with $deploy"
  "$PROJECT_ROOT/scripts/fuzz.sh" 60
  fuzz=$?
  log "fuzz.sh exited with $fuzz"
  # Last: it restarts PostgreSQL twice and runs the whole platform under faults for about three minutes.
  "$PROJECT_ROOT/scripts/chaos.sh" --short
  chaos=$?
  log "chaos.sh --short exited with $chaos"
  [ $status -eq 0 ] && [ $observability -ne 0 ] && status=$observability
  [ $status -eq 0 ] && [ $deploy -ne 0 ] && status=$deploy
  [ $status -eq 0 ] && [ $fuzz -ne 0 ] && status=$fuzz
  [ $status -eq 0 ] && [ $chaos -ne 0 ] && status=$chaos
fi
set -e
exit $status
