#!/usr/bin/env bash
# Installs the Debian 12 packages segd needs to build and run its demo; with --tests also
# chromium (headless) and a font, for the status page's browser test and tools/screenshot.sh;
# with --bench also the reference tools the benchmarks compare against. Idempotent and quiet
# when everything is present; must run as root (or with sudo available) otherwise.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang-format git
  librdkafka-dev librocksdb-dev libeigen3-dev prometheus-cpp-dev libyaml-cpp-dev
  libsimdjson-dev libcli11-dev libspdlog-dev nlohmann-json3-dev libcivetweb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  kcat curl ca-certificates
  prometheus prometheus-alertmanager systemd libsystemd-dev
  clang libclang-rt-14-dev python3 python3-yaml
)
for arg in "$@"; do
  case "$arg" in
    --tests) packages+=(chromium fonts-dejavu-core) ;;
    --bench) packages+=(python3-sklearn python3-threadpoolctl wrk valgrind) ;;
    *) echo "setup: unknown option $arg (--tests, --bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
