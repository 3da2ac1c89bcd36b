#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and runs each for
# SECONDS (default 60) on its seed corpus (tests/fuzz/corpus/<name>, copied to build-fuzz so the
# checked-in seeds stay as they are). Any crash, sanitizer report or broken invariant fails.
#
# Usage: tools/fuzz.sh [SECONDS]      e.g. tools/fuzz.sh 600 for a 10-minute campaign each
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
CC=clang CXX=clang++ SEGD_BUILD_DIR=build-fuzz SEGD_BUILD_TYPE=RelWithDebInfo \
  SEGD_CMAKE_ARGS="-DSEGD_FUZZ=ON -DSEGD_BUILD_TESTS=OFF -DSEGD_BUILD_BENCH=OFF" \
  bash tools/build.sh --target event_decoder_fuzz http_api_fuzz >/dev/null
for name in event_decoder http_api; do
  corpus=build-fuzz/corpus/$name
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpus/"$name"/* "$corpus"/
  echo "== fuzzing $name for ${seconds}s"
  status=0
  build-fuzz/tests/fuzz/${name}_fuzz -max_total_time="$seconds" -max_len=8192 -timeout=10 \
    -print_final_stats=1 -artifact_prefix=build-fuzz/ "$corpus" >build-fuzz/$name.log 2>&1 ||
    status=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|SUMMARY|ERROR" build-fuzz/$name.log || true
  if [ "$status" -ne 0 ]; then
    tail -40 build-fuzz/$name.log
    echo "fuzz: $name failed (exit $status); the input is in build-fuzz/crash-*" >&2
    exit 1
  fi
done
