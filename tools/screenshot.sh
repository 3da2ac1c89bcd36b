#!/usr/bin/env bash
# Makes docs/status-page.png, the README's picture of the status page: a dev broker, a generated
# Olist-like history with a spend shift from 2018 (so the drift section has something to show),
# segd on it with config/segd.yaml as the demo runs it, and headless Chromium's screenshot of
# http://127.0.0.1:PORT/ once segd has caught up and evaluated drift.
#
# Usage: tools/screenshot.sh [--customers N] [--seed S] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."

customers=30000
seed=42
out=docs/status-page.png
while [ $# -gt 0 ]; do
  case "$1" in
    --customers) customers=$2; shift ;;
    --seed) seed=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "screenshot: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

bin=${SEGD_BUILD_DIR:-build}
bash tools/build.sh --target segd segd-devbroker segd-replay >/dev/null
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$bin/tools/devbroker/segd-devbroker" --topic orders:8 --topic orders.dlq:4 \
  --topic segd.changelog:8 --address-file "$work/broker.addr" >"$work/devbroker.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/broker.addr" ] && break; sleep 0.1; done
brokers=$(cat "$work/broker.addr")
"$bin/tools/replay/segd-replay" generate --customers "$customers" --seed "$seed" \
  --drift-start 2018-01-01 --brokers "$brokers" --topic orders >/dev/null

SEGD_KAFKA_BROKERS=$brokers SEGD_STORAGE_PATH=$work/state SEGD_HTTP_BIND=127.0.0.1:0 \
  "$bin/src/segd" --config config/segd.yaml run >"$work/segd.log" 2>&1 &
pids+=($!)
port=""
for _ in $(seq 200); do
  port=$(sed -n 's|.*serving http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/segd.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/segd.log" >&2; exit 1; }
url="http://127.0.0.1:$port/"

# Settled: the lag is measured at zero, the message count stopped moving, drift was evaluated.
settled() {
  python3 - "$url" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
status = json.load(urllib.request.urlopen(base + "v1/status"))
model = json.load(urllib.request.urlopen(base + "v1/model"))
print(status["lag"]["messages"] == 0 and model["drift"]["evaluated_at"] is not None,
      status["ingest"]["messages"])
PY
}
previous=""
for _ in $(seq 600); do
  now=$(settled 2>/dev/null || echo "False -")
  [ "${now%% *}" = "True" ] && [ "$now" = "$previous" ] && break
  previous=$now
  sleep 1
done
echo "screenshot of $url ($customers customers, ${now#* } messages)"

chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/chromium" --hide-scrollbars --window-size=1280,${SEGD_SCREENSHOT_HEIGHT:-1400} \
  --virtual-time-budget=10000 --screenshot="$(realpath -m "$out")" "$url" 2>"$work/chromium.log"
ls -l "$out"
