#!/usr/bin/env bash
# Catch-up cost of the event-time drift schedule: segd consumes a generated history (100,000
# customers, ~196,000 events, 16 partitions on the dev broker) until caught up, once with
# wall-clock drift only and once with drift.every_event_days: 14 (aligned partitions, one
# evaluation per boundary), each on a fresh store, `runs` times. Prints segd's own consuming
# time (the "seconds=" of its stop line) and the number of drift evaluations.
# Usage: bench/event_time/catch_up_ab.sh [build-dir] [runs]   (after tools/build.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-build}
runs=${2:-2}
work=$(mktemp -d /tmp/segd-event-time-ab.XXXXXX)
trap 'kill "$broker" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin/tools/devbroker/segd-devbroker" --topic orders:16 --topic orders.dlq:1 \
  --address-file "$work/addr" >"$work/broker.log" 2>&1 &
broker=$!
for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.1; done
brokers=$(cat "$work/addr")
"$bin/tools/replay/segd-replay" generate --customers 100000 --brokers "$brokers" --topic orders |
  tail -1
for run in $(seq "$runs"); do
  for days in 0 14; do
    rm -rf "$work/state"
    cat >"$work/segd.yaml" <<YAML
kafka: {brokers: "$brokers", topics: [orders], group_id: ab-$days-$run, auto_offset_reset: error}
storage: {path: $work/state}
http: {bind: "127.0.0.1:0"}
drift: {every_seconds: 3600, every_event_days: $days}
changelog: {enabled: false}
YAML
    "$bin/src/segd" --config "$work/segd.yaml" run --exit-when-caught-up >"$work/run.log" 2>&1
    printf 'run %s every_event_days=%-2s %s evaluations=%s\n' "$run" "$days" \
      "$(grep -o 'seconds=[0-9.]*' "$work/run.log" | tail -1)" \
      "$(grep -c 'drift evaluated' "$work/run.log" || true)"
  done
done
