#!/usr/bin/env bash
# Runs segd's benchmark suite (issue 6): builds the benchmarks (Release) into build-bench/, runs
# every benchmark with segd and the reference tool side by side, prints one table and writes
# bench/results/results.{json,csv} (--quick: small sizes for a smoke run, written to
# bench/results/quick/). Per-benchmark output goes to <results>/logs/. See bench/README.md.
#
#   bash tools/bench.sh [--quick]
#
# Reference tools come from `bash tools/setup.sh --bench` (python3-sklearn, wrk, valgrind, kcat).
# Environment: SEGD_BENCH_BUILD_DIR (build-bench), SEGD_BENCH_JOBS (2), SEGD_BENCH_ONLY (a
# space-separated subset of: kafka drift online ari lookup scale growth callgrind ingest).
set -uo pipefail
cd "$(dirname "$0")/.."

mode=full
case "${1:-}" in
  --quick) mode=quick ;;
  "") ;;
  *) echo "usage: bash tools/bench.sh [--quick]" >&2; exit 2 ;;
esac
build=${SEGD_BENCH_BUILD_DIR:-build-bench}
jobs=${SEGD_BENCH_JOBS:-2}
only=${SEGD_BENCH_ONLY:-kafka drift online ari lookup scale growth callgrind ingest}
out=bench/results
[ "$mode" = quick ] && out=bench/results/quick
py=/usr/bin/python3  # Debian's python: scikit-learn comes from python3-sklearn

if [ "$mode" = quick ]; then
  kafka_args=(--events 200000 --partitions 16 --runs 2)
  drift_args=(--customers 100000 --runs 2 --fit-rows 100000)
  online_args=(--points 100000 --batch 1000 --runs 2)
  ari_args=(--labels 100000,1000000 --k 4,10 --runs 3)
  lookup_args=(--customers 100000 --runs 1 --seconds 3)
  scale_args=(--customers 20000,100000 --runs 2)
  growth_args=(--customers 20000 --years 1,2,4)
  callgrind_events=5000 callgrind_warmup=1000
  ingest_args=(--customers 20000 --partitions 16 --runs 2)
else
  kafka_args=(--events 2000000 --partitions 128 --runs 3)
  drift_args=(--customers 1000000 --runs 3 --fit-rows 100000,1000000)
  online_args=(--points 1000000 --batch 1000 --runs 3)
  ari_args=(--labels 1000000,10000000 --k 4,7,10 --runs 5)
  lookup_args=(--customers 1000000 --runs 3 --seconds 10)
  scale_args=(--customers 100000,1000000,10000000 --runs 3 --large-runs 2)
  growth_args=(--customers 100000 --years 1,2,3,4,6)
  callgrind_events=20000 callgrind_warmup=5000
  ingest_args=(--customers 100000 --partitions 16 --runs 3)
fi

missing=()
$py -c "import sklearn, threadpoolctl" 2>/dev/null || missing+=(python3-sklearn)
for tool in wrk valgrind kcat; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: missing ${missing[*]} (bash tools/setup.sh --bench); their comparisons are skipped" >&2
fi

targets=()
for b in $only; do targets+=("segd-bench-$b"); done
echo "bench: building ${targets[*]} (Release) in $build" >&2
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSEGD_BUILD_BENCH=ON -DSEGD_BUILD_TESTS=OFF \
  >/dev/null || exit 1
cmake --build "$build" -j"$jobs" --target "${targets[@]}" >/dev/null || exit 1

parts=$(mktemp -d /tmp/segd-bench-parts.XXXXXX)
trap 'rm -rf "$parts"' EXIT
mkdir -p "$out/logs"
failed=()
loads=()
commands=()

# run NAME COMMAND...: runs one benchmark, its output to the terminal and to the log.
run() {
  local name=$1
  shift
  loads+=("$name $(cut -d' ' -f1 /proc/loadavg)")
  commands+=("$*")
  echo "== $name: $*" >&2
  local start=$SECONDS
  if ! "$@" 2>&1 | tee "$out/logs/$name.log"; then
    failed+=("$name")
  fi
  echo "== $name: $((SECONDS - start)) s" >&2
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
suite_start=$SECONDS
bin=$build/bench
for b in $only; do
  case $b in
    kafka) run kafka "$bin/kafka/segd-bench-kafka" "${kafka_args[@]}" --json "$parts/kafka.json" ;;
    drift) run drift "$bin/drift/segd-bench-drift" "${drift_args[@]}" --json "$parts/drift.json" ;;
    online) run online "$bin/online/segd-bench-online" "${online_args[@]}" --json "$parts/online.json" ;;
    ari) run ari "$bin/ari/segd-bench-ari" "${ari_args[@]}" --json "$parts/ari.json" ;;
    lookup)
      if command -v wrk >/dev/null; then
        run lookup "$bin/lookup/segd-bench-lookup" "${lookup_args[@]}" --json "$parts/lookup.json"
      fi
      ;;
    scale) run scale "$bin/scale/segd-bench-scale" "${scale_args[@]}" --json "$parts/scale.json" ;;
    growth) run growth "$bin/growth/segd-bench-growth" "${growth_args[@]}" --json "$parts/growth.json" ;;
    callgrind)
      command -v valgrind >/dev/null || continue
      for store in memory rocksdb; do
        label="decode+apply, in-memory store"
        [ $store = rocksdb ] && label="decode+apply+commit, RocksDB"
        run "callgrind-$store" valgrind --tool=callgrind --collect-atstart=no \
          --callgrind-out-file="$parts/callgrind-$store.out" \
          "$bin/callgrind/segd-bench-callgrind" --events "$callgrind_events" \
          --warmup "$callgrind_warmup" --store "$store"
        $py bench/callgrind/callgrind_report.py "$parts/callgrind-$store.out" "$callgrind_events" \
          "$label" >"$parts/callgrind-$store.json" || failed+=("callgrind-$store report")
        rm -f "$parts/callgrind-$store.out"
      done
      ;;
    ingest) run ingest "$bin/ingest/segd-bench-ingest" "${ingest_args[@]}" --json "$parts/ingest.json" ;;
    *) echo "bench: unknown benchmark '$b'" >&2; failed+=("$b") ;;
  esac
done

# The run's description, then the merged results and the table.
$py - "$parts/meta" "$mode" "$build" "$load_before" "$((SECONDS - suite_start))" \
  "$(printf '%s\n' "${failed[@]}")" "$(printf '%s\n' "${loads[@]}")" \
  "$(printf '%s\n' "${commands[@]}")" <<'EOF'
import datetime, json, os, platform, subprocess, sys
path, mode, build, load, seconds, failed, loads, commands = sys.argv[1:9]
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem_gib = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) / 2**20
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
meta = {
    "date": datetime.date.today().isoformat(),
    "machine": f"{os.cpu_count()} vCPU {model}, {mem_gib:.0f} GiB, {platform.platform()}",
    "mode": mode,
    "build": f"{build} (CMAKE_BUILD_TYPE=Release), commit {commit} plus working tree",
    "load_before": load,
    "load_per_benchmark": [l for l in loads.splitlines() if l],
    "seconds": int(seconds),
    "commands": [c.replace(os.path.dirname(path), "$TMP") for c in commands.splitlines() if c],
    "failed": [f for f in failed.splitlines() if f],
}
json.dump(meta, open(path, "w"), indent=1)
EOF
$py bench/suite_report.py "$parts" "$out" "$parts/meta"
[ ${#failed[@]} -eq 0 ]
