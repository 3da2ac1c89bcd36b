// Instruction counts of the decode + apply path, for `valgrind --tool=callgrind
// --collect-atstart=no`: a warm-up of W events is processed uncounted, then callgrind collects
// while N events go through IngestPipeline::Process in micro-batches (decode, dedup lookups,
// apply, commit). With --store memory the commit goes to the in-memory store (decode + apply
// alone); with --store rocksdb into a fresh RocksDB (the daemon's path, no Kafka). Without
// valgrind it just runs. bench/callgrind/callgrind_report.py turns the output into Ir per event.
//
//   valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=cg.out
//       build-bench/bench/callgrind/segd-bench-callgrind --events 20000 --store rocksdb
#include <valgrind/callgrind.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "common/ingest_runs.h"
#include "segd/ingest/ingest_pipeline.h"
#include "segd/state/memory_state_store.h"

namespace {

using namespace segd;
using namespace segd::bench;

// Processes messages[begin, end) in micro-batches of `batch`.
template <typename Process>
void InBatches(const std::vector<RawMessage>& messages, size_t begin, size_t end, size_t batch,
               Process process) {
  for (size_t i = begin; i < end; i += batch) {
    process(std::span(messages).subspan(i, std::min(batch, end - i)));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"segd decode+apply path for callgrind"};
  size_t events = 20'000, warmup = 5'000;
  std::string store_kind = "rocksdb", dir = "/tmp/segd-bench-callgrind";
  IngestRunOptions options;
  app.add_option("--events", events, "events counted");
  app.add_option("--warmup", warmup, "events processed first, not counted");
  app.add_option("--store", store_kind)->check(CLI::IsMember({"memory", "rocksdb"}));
  app.add_option("--batch", options.batch, "micro-batch size in events");
  app.add_option("--dir", dir);
  CLI11_PARSE(app, argc, argv);

  auto history = testing::MakeHistory(static_cast<int>((events + warmup) / 2.2) + 100, 11);
  if (history.size() < events + warmup) return 1;
  history.resize(events + warmup);
  const std::vector<RawMessage> messages = AsMessages(history);
  history.clear();

  if (store_kind == "rocksdb") {
    OneCoreIngest ingest(dir, options);
    auto process = [&](std::span<const RawMessage> m) { ingest.Process(m); };
    InBatches(messages, 0, warmup, options.batch, process);
    CALLGRIND_TOGGLE_COLLECT;
    InBatches(messages, warmup, messages.size(), options.batch, process);
    CALLGRIND_TOGGLE_COLLECT;
    if (ingest.applied() != messages.size()) return 1;
    ingest.Close();
    std::filesystem::remove_all(dir);
  } else {
    MemoryStateStore store;
    CountingDeadLetterSink dlq;
    IngestStats stats;
    IngestPipeline pipeline(DecoderOptions{}, &store, &dlq, &stats, Now2030);
    auto process = [&](std::span<const RawMessage> m) {
      if (!pipeline.Process(m).ok()) std::abort();
    };
    InBatches(messages, 0, warmup, options.batch, process);
    CALLGRIND_TOGGLE_COLLECT;
    InBatches(messages, warmup, messages.size(), options.batch, process);
    CALLGRIND_TOGGLE_COLLECT;
    if (stats.applied() != messages.size()) return 1;
  }
  std::printf("counted %zu events (after %zu warm-up), store %s, micro-batches of %zu\n", events,
              warmup, store_kind.c_str(), options.batch);
  return 0;
}
