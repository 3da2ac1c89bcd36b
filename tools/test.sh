#!/usr/bin/env bash
# Quick-start command 2: installs what is missing, builds, checks formatting, and runs every
# test (CTest labels: unit, integration). Usage: tools/test.sh [ctest args, e.g. -L unit]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/build.sh
echo "== format check"
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror
echo "== tests"
ctest --test-dir "${SEGD_BUILD_DIR:-build}" --output-on-failure -j2 --timeout 300 "$@"
