#!/usr/bin/env bash
# Quick-start command 1: installs what is missing, builds, starts a local dev broker, replays a
# generated Olist-like history into it, runs segd until it has caught up, prints what it holds,
# then keeps segd running until Ctrl-C (or exits at once with --once).
#
# Usage: tools/demo.sh [--once] [--customers N] [--seed S] [--drift-start YYYY-MM-DD]
set -euo pipefail
cd "$(dirname "$0")/.."

once=0
customers=96000
seed=42
drift=()
while [ $# -gt 0 ]; do
  case "$1" in
    --once) once=1 ;;
    --customers) customers=$2; shift ;;
    --seed) seed=$2; shift ;;
    --drift-start) drift=(--drift-start "$2"); shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "demo: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

bash tools/setup.sh
echo "== building (first time: a few minutes)"
SEGD_CMAKE_ARGS="-DSEGD_BUILD_TESTS=OFF -DSEGD_BUILD_BENCH=OFF" SEGD_BUILD_DIR=build-demo \
  SEGD_BUILD_TYPE=Release bash tools/build.sh --target segd segd-devbroker segd-replay >/dev/null
bin=build-demo

work=data/demo
rm -rf "$work"
mkdir -p "$work"
# The dev broker keeps ~5 MiB per partition: 48 partitions hold ~240 MiB, over twice the
# default history (96,000 customers is about 200,000 events, ~70 MiB).
partitions=$(( customers / 2000 + 4 ))
[ "$partitions" -lt 8 ] && partitions=8
"$bin/tools/devbroker/segd-devbroker" --topic "orders:$partitions" --topic orders.dlq:4 \
  --topic "segd.changelog:$partitions" --topic segd.segment-changes:8 \
  --address-file "$work/broker.addr" >"$work/devbroker.log" 2>&1 &
broker_pid=$!
cleanup() {
  kill -TERM "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$work/broker.addr" ] && break; sleep 0.1; done
brokers=$(cat "$work/broker.addr")
echo "== dev broker at $brokers (topic orders: $partitions partitions)"

echo "== replaying a generated Olist-like history ($customers customers, seed $seed)"
"$bin/tools/replay/segd-replay" generate --customers "$customers" --seed "$seed" "${drift[@]}" \
  --brokers "$brokers" --topic orders

echo "== and 5 malformed events, which segd must dead-letter (tools/demo/bad-events.jsonl)"
"$bin/tools/replay/segd-replay" jsonl --file tools/demo/bad-events.jsonl --brokers "$brokers" \
  --topic orders

export SEGD_KAFKA_BROKERS=$brokers SEGD_STORAGE_PATH=$work/state
# The default configuration, with segment-change events on (output.segment_changes_topic).
config=$work/segd.yaml
sed 's/^  segment_changes_topic: ""/  segment_changes_topic: segd.segment-changes/' \
  config/segd.yaml >"$config"
echo "== segd consuming until caught up"
"$bin/src/segd" --config "$config" run --exit-when-caught-up --summary

echo
echo "== segd fitted baseline v1 by itself at the first 14-day boundary of event time after"
echo "   10,000 customers (model.bootstrap_min_customers, drift.every_event_days) and evaluated"
echo "   drift at every boundary after it (segd inspect drift); now a baseline on all of them,"
echo "   as the Olist study did (segd train, segd stopped):"
"$bin/src/segd" --config "$config" train

echo
changes=$(kcat -b "$brokers" -C -t segd.segment-changes -e -q -f '%k\n' 2>/dev/null | wc -l || true)
echo "segment-change events on topic segd.segment-changes: $changes (customer.segment.changed.v1,"
echo "docs/contracts/segment-changes-v1.md), the last one:"
kcat -b "$brokers" -C -t segd.segment-changes -p 0 -o -1 -c 1 -e -q 2>/dev/null | head -c 600 || true
echo
echo
echo "dead-letter topic orders.dlq (reason | detail):"
kcat -b "$brokers" -C -t orders.dlq -e -q \
  -f '  %h\n' 2>/dev/null | sed -E 's/.*segd\.error\.reason=([^,]*),segd\.error\.detail=([^,]*),.*/  \1 | \2/' || true
sample=$("$bin/src/segd" --config "$config" inspect summary 2>/dev/null |
  sed -n 's/.*"customer_id":"\([0-9a-f]*\)".*/\1/p' | head -1)
if [ "$once" -eq 1 ]; then
  echo
  echo "Look up a customer offline: $bin/src/segd --config config/segd.yaml inspect customer $sample"
  echo "  (with SEGD_STORAGE_PATH=$work/state)"
  exit 0
fi
url="http://${SEGD_HTTP_BIND:-127.0.0.1:8080}"
export SEGD_ADMIN_TOKEN=${SEGD_ADMIN_TOKEN:-demo-token}
echo
echo "== segd keeps running on the dev broker at $url ; press Ctrl-C to stop it cleanly"
echo "   status page (segments, drift, ingest; refreshes itself): $url/"
echo "   curl $url/v1/customers/$sample"
echo "   curl $url/v1/segments      curl $url/v1/model      curl $url/metrics"
echo "   curl -X POST -H 'Authorization: Bearer $SEGD_ADMIN_TOKEN' $url/v1/admin/retrain"
echo "   segment changes as they happen: kcat -b $brokers -C -t segd.segment-changes -o end"
echo "   more events: $bin/tools/replay/segd-replay generate --seed 7 --customers 1000 \\"
echo "                  --brokers $brokers --topic orders"
"$bin/src/segd" --config "$config" run || true
