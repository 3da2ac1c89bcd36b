#!/usr/bin/env bash
# Quick-start command 2: installs what is missing, builds, checks formatting, and runs every
# test (CTest labels: unit, integration). In CI (CI=true) or with SEGD_SANITIZE_TESTS=1 it then
# runs the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage: tools/test.sh [ctest args, e.g. -L unit]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh --tests
bash tools/build.sh
echo "== format check"
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror
echo "== tests"
ctest --test-dir "${SEGD_BUILD_DIR:-build}" --output-on-failure -j2 --timeout 300 "$@"
if [ "${CI:-}" = "true" ] || [ "${SEGD_SANITIZE_TESTS:-0}" = "1" ]; then
  echo "== tests under ASan + UBSan"
  SEGD_BUILD_DIR=build-asan SEGD_BUILD_TYPE=Debug \
    SEGD_CMAKE_ARGS="-DSEGD_SANITIZE=ON -DSEGD_BUILD_BENCH=OFF" bash tools/build.sh
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j2 --timeout 300 "$@"
fi
if [ "${CI:-}" = "true" ] || [ "${SEGD_FUZZ_SECONDS:-0}" != "0" ]; then
  echo "== fuzzing (libFuzzer, ASan + UBSan): a short run of each target"
  bash tools/fuzz.sh "${SEGD_FUZZ_SECONDS:-30}"
fi
