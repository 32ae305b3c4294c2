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

# A target that runs longer than this (seconds; the slowest takes about 3 minutes) is stopped, after its
# threads' stacks are written to its log, so that a hang fails the run with its cause instead of using
# up CI's time.
TARGET_TIME_LIMIT="${TEST_TARGET_TIME_LIMIT:-900}"

# Runs a command in a session of its own, its output to $2 and shown as it comes; after $1 seconds it
# writes every thread's stack of the session's processes (gdb) to $2 and kills the session.
run_with_watchdog() {
  local limit=$1 output=$2 pid status waited=0
  shift 2
  setsid "$@" >"$output" 2>&1 &
  pid=$!
  tail -n +1 -f --pid="$pid" "$output" &
  local follower=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge "$limit" ]; then
      log "$* still running after ${limit}s: its threads' stacks, then kill" 2>&1 | tee -a "$output" >&2
      for process in $(pgrep -s "$pid"); do
        [ -r "/proc/$process/cmdline" ] || continue
        { echo "== process $process: $(tr '\0' ' ' <"/proc/$process/cmdline" 2>/dev/null)"
          gdb -p "$process" -batch -ex 'thread apply all bt' 2>&1 | grep -E '^(Thread|#)'; } >>"$output" 2>&1 || true
      done
      kill -KILL -- "-$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      wait "$follower" 2>/dev/null || true
      return 124
    fi
    sleep 1
    waited=$((waited + 1))
  done
  wait "$pid" && status=0 || status=$?
  wait "$follower" 2>/dev/null || true
  return "$status"
}

# Each target's output is kept, so that the end of the run can name what failed (CI shows only the tail).
TEST_LOG_DIR="$LOCAL_DIR/test-logs"
rm -rf "$TEST_LOG_DIR" && mkdir -p "$TEST_LOG_DIR"
failed_targets=()

set +e
if [ $# -eq 0 ]; then
  # One test target after another, each target's tests in parallel: all of them at once on two cores
  # (with the broker, PostgreSQL and the collector processes some tests start) pushed timing-bound tests
  # past their bounds (statement and session timeouts, a server's shutdown within 30 s), a different one
  # in each of three full runs.
  swift build --build-tests
  status=$?
  [ $status -eq 0 ] || failed_targets+=("(the build)")
  if [ $status -eq 0 ]; then
    for target in $(sed -n 's/.*\.testTarget(name: "\([A-Za-z]*Tests\)".*/\1/p; s/.*name: "\([A-Za-z]*Tests\)",$/\1/p' Package.swift); do
      log "swift test: $target"
      if ! run_with_watchdog "$TARGET_TIME_LIMIT" "$TEST_LOG_DIR/$target.log" swift test --skip-build --filter "^$target\\."; then
        status=1
        failed_targets+=("$target")
      fi
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
  log "summary: swift test $( [ ${#failed_targets[@]} -eq 0 ] && echo passed || echo "failed in ${failed_targets[*]}"), check-observability $observability, check-deploy $deploy, fuzz $fuzz, chaos $chaos"
  for target in "${failed_targets[@]}"; do
    # swift-testing marks a failed test and each failed expectation with ✘; XCTest prints "error:"; the
    # watchdog names a hung target.
    grep -E '✘|error:|still running after' "$TEST_LOG_DIR/$target.log" 2>/dev/null | head -n 40 | sed "s/^/[$target] /" >&2
  done
fi
set -e
exit $status
