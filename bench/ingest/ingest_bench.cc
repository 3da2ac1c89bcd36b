// End-to-end ingest benchmark: a dev broker in this process, a topic filled with a generated
// history, then segd's ingest loop (Kafka -> decode -> RocksDB) timed until caught up, several
// times on fresh state directories. Also times decode+apply alone on one core (no Kafka).
//
//   build/bench/ingest/segd-bench-ingest --customers 100000 --partitions 16 --runs 3
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "segd/event/event_decoder.h"
#include "segd/ingest/ingest_loop.h"
#include "segd/kafka/dev_broker.h"
#include "segd/kafka/kafka_dead_letter_sink.h"
#include "segd/kafka/kafka_message_source.h"
#include "segd/state/rocksdb_state_store.h"
#include "testing/test_history.h"

namespace segd {
namespace {

using Clock = std::chrono::steady_clock;

struct Summary {
  double median, min, max;
};

Summary Summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

int64_t Now2030() { return ParseRfc3339Ms("2030-01-01T00:00:00Z").value(); }

// Decode + apply on this thread into RocksDB, micro-batches of `batch` events.
StorageOptions g_storage;  // --write-buffer-mb, --block-cache-mb
size_t g_batch = 5000;     // --batch: micro-batch size (events)

double DecodeApplyRate(const std::vector<testing::KeyedEvent>& history, const std::string& dir,
                       size_t batch) {
  std::filesystem::remove_all(dir);
  StorageOptions o = g_storage;
  o.path = dir;
  auto store = OpenRocksDbStateStore(o);
  if (!store.ok()) std::abort();
  struct NoDeadLetters : DeadLetterSink {
    Status Send(const RawMessage&, const Rejection&) override { return Internal("unexpected"); }
    Status Flush() override { return Status::Ok(); }
  } dlq;
  IngestStats stats;
  IngestPipeline pipeline(DecoderOptions{}, store->get(), &dlq, &stats, Now2030);
  std::vector<RawMessage> messages(history.size());
  for (size_t i = 0; i < history.size(); ++i) {
    messages[i] = {"orders", 0, static_cast<int64_t>(i), true, history[i].key, history[i].json};
  }
  const auto start = Clock::now();
  for (size_t i = 0; i < messages.size(); i += batch) {
    const size_t n = std::min(batch, messages.size() - i);
    if (!pipeline.Process(std::span(messages).subspan(i, n)).ok()) std::abort();
  }
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  if (stats.applied() != history.size()) std::abort();
  return history.size() / s;
}

double EndToEndRate(const std::string& brokers, const std::string& topic, size_t events,
                    const std::string& dir, int run) {
  std::filesystem::remove_all(dir);
  SegdConfig c;
  c.kafka.brokers = brokers;
  c.kafka.topics = {topic};
  c.kafka.group_id = "bench-" + std::to_string(run);
  c.kafka.auto_offset_reset = "error";
  c.storage = g_storage;
  c.storage.path = dir;
  auto store = OpenRocksDbStateStore(c.storage);
  auto producer = NewKafkaProducer({brokers, "bench-dlq", {}});
  if (!store.ok() || !producer.ok()) std::abort();
  auto dlq = NewKafkaDeadLetterSink(std::move(*producer), "", 10000);
  IngestStats stats;
  IngestPipeline pipeline(DecoderOptions{}, store->get(), dlq.get(), &stats, Now2030);
  if (!pipeline.Load().ok()) std::abort();
  IngestLoopOptions lo;
  lo.exit_when_caught_up = true;
  lo.batch_max_events = g_batch;
  IngestLoop loop(lo, &pipeline);
  auto source = NewKafkaMessageSource(c.kafka, &loop);
  std::atomic<bool> stop{false};
  // Time from the first consumed message: the group join (~3 s on the mock) is not ingest.
  Clock::time_point first{};
  std::thread watcher([&] {
    while (stats.messages.load() == 0 && !stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    first = Clock::now();
  });
  if (!loop.Run(source->get(), stop).ok()) std::abort();
  const auto end = Clock::now();
  stop = true;
  watcher.join();
  if (stats.applied() != events) {
    std::fprintf(stderr, "applied %llu of %zu\n", (unsigned long long)stats.applied(), events);
    std::abort();
  }
  std::printf("  run %d: %llu batches, %.0f messages per batch\n", run,
              (unsigned long long)stats.batches.load(),
              double(stats.messages.load()) / std::max<uint64_t>(1, stats.batches.load()));
  return events / std::chrono::duration<double>(end - first).count();
}

}  // namespace
}  // namespace segd

int main(int argc, char** argv) {
  CLI::App app{"segd ingest benchmark"};
  int customers = 100000, partitions = 16, runs = 3;
  std::string dir = "/tmp/segd-bench-ingest";
  app.add_option("--customers", customers);
  app.add_option("--partitions", partitions);
  app.add_option("--runs", runs);
  app.add_option("--dir", dir);
  app.add_option("--write-buffer-mb", segd::g_storage.write_buffer_mb);
  app.add_option("--block-cache-mb", segd::g_storage.block_cache_mb);
  app.add_option("--batch", segd::g_batch, "micro-batch size in events");
  bool one_core_only = false;
  app.add_flag("--one-core-only", one_core_only, "skip the end-to-end part");
  CLI11_PARSE(app, argc, argv);
  using namespace segd;

  const auto history = testing::MakeHistory(customers, 11);
  size_t bytes = 0;
  for (const auto& e : history) bytes += e.json.size();
  std::printf("history: %zu events, %.1f MiB, avg %.0f bytes/event\n", history.size(),
              bytes / 1048576.0, double(bytes) / history.size());

  std::vector<double> one_core;
  for (int r = 0; r < runs; ++r)
    one_core.push_back(DecodeApplyRate(history, dir + "/one", g_batch));
  auto s1 = Summarize(one_core);
  std::printf(
      "decode+apply+commit, one core, no Kafka, RocksDB: median %.0f events/s (min %.0f, max "
      "%.0f)\n",
      s1.median, s1.min, s1.max);

  if (one_core_only) return 0;
  auto broker = DevBroker::Start(1);
  if (!broker.ok() || !(*broker)->CreateTopic("orders", partitions).ok()) return 1;
  const std::string brokers = (*broker)->bootstrap_servers();
  {
    auto producer = NewKafkaProducer({brokers, "bench", {}});
    for (const auto& e : history) {
      if (!(*producer)->Produce("orders", -1, e.key, e.json).ok()) return 1;
    }
    if (!(*producer)->Flush(60000).ok()) return 1;
  }
  std::vector<double> e2e;
  for (int r = 0; r < runs; ++r) {
    e2e.push_back(EndToEndRate(brokers, "orders", history.size(), dir + "/e2e", r));
  }
  auto s2 = Summarize(e2e);
  std::printf(
      "end to end, dev broker -> RocksDB (%d partitions): median %.0f events/s (min %.0f, "
      "max %.0f)\n",
      partitions, s2.median, s2.min, s2.max);
  std::filesystem::remove_all(dir);
  return 0;
}
