#!/usr/bin/env bash
# Configures and builds segd into build/ (override with SEGD_BUILD_DIR). Extra args go to the
# build step, e.g. `tools/build.sh --target segd`.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${SEGD_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${SEGD_BUILD_TYPE:-RelWithDebInfo}" \
  ${SEGD_CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir" -j"$(nproc)" "$@"
