#!/usr/bin/env bash
# systemd-analyze verify on deploy/systemd/segd.service, with ExecStart pointing at the built
# segd (verify needs the binary to exist). Any diagnostic fails the test: verify itself exits 0
# on many of them.
set -euo pipefail
unit=$1 segd=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/local/bin/segd|$segd|" "$unit" >"$dir/segd.service"
out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$dir/segd.service" 2>&1) || {
  echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "$out"; exit 1; fi
echo "systemd-analyze verify: clean"
