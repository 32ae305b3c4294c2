#!/usr/bin/env bash
# Fuzzes the JSON parser and the request parser and validators (Fuzz/, libFuzzer with AddressSanitizer),
# starting from the seed corpus in Fuzz/Corpus (valid events of every kind and the JSON conformance cases):
#   scripts/fuzz.sh            60 s (the CI form)
#   scripts/fuzz.sh 1800       30 minutes
# A crash, a hang (-timeout, 10 s), memory past -rss_limit_mb, or an input the parser accepts and Foundation's
# JSONSerialization refuses or reads differently stops it with the input saved under .local/fuzz/.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
seconds=${1:-60}
cd "$PROJECT_ROOT/Fuzz"
swift build -c release --sanitize=fuzzer --sanitize=address --product EventRequestFuzzer
work="$LOCAL_DIR/fuzz"
mkdir -p "$work/corpus" "$work/findings"
# New inputs go to the work corpus (git-ignored); the seed corpus is only read.
"$(swift build -c release --sanitize=fuzzer --sanitize=address --show-bin-path)/EventRequestFuzzer" \
  "$work/corpus" "$PROJECT_ROOT/Fuzz/Corpus" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$work/findings/" -print_final_stats=1
