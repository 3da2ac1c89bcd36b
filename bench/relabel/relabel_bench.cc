// Relabel benchmark: a store of N customers (RocksDB) gets its first baseline with segment-change
// events on, so every customer is relabelled and announced (N events to a dev-broker topic),
// while a history of new orders is ingested between relabel steps, as the ingest loop interleaves
// them under a backlog (one poll of up to 4 micro-batches, then one step). Reports the relabel's
// rate, how long ingest waits at most for one step (the stall), and the ingest rate during the
// relabel against the rate without one.
//
//   build-bench/bench/relabel/segd-bench-relabel --customers 1000000
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "common/bench_report.h"
#include "common/ingest_runs.h"
#include "common/synthetic_customers.h"
#include "segd/cluster/partitioner.h"
#include "segd/ingest/ingest_pipeline.h"
#include "segd/kafka/dev_broker.h"
#include "segd/kafka/kafka_segment_change_sink.h"
#include "segd/model/baseline_trainer.h"
#include "segd/state/rocksdb_state_store.h"

namespace segd::bench {
namespace {

using Clock = std::chrono::steady_clock;

class NoDeadLetters : public DeadLetterSink {
 public:
  Status Send(const RawMessage&, const Rejection&) override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(q * double(v.size())))];
}

// N customers with Olist-like states and no announced segment, then baseline v1 on them.
void FillStore(StateStore& store, int customers) {
  std::mt19937_64 rng(7);
  char id[24];
  for (int from = 0; from < customers; from += 10000) {
    std::vector<std::string> ids;
    std::vector<CustomerRecord> records;
    for (int i = from; i < std::min(customers, from + 10000); ++i) {
      std::snprintf(id, sizeof(id), "c%09d", i);
      ids.emplace_back(id);
      records.push_back({.state = RandomCustomer(rng)});
    }
    StateDelta delta;
    for (size_t i = 0; i < ids.size(); ++i) delta.customers.emplace_back(ids[i], &records[i]);
    if (Status s = store.Commit(delta); !s.ok()) std::abort();
  }
  auto model = TrainBaseline(store, BenchNow(), FeatureSpec::Default(),
                             {.k = 5, .n_init = 2, .seed = 3, .min_customers = 10}, nullptr);
  if (!model.ok() || !SaveBaseline(store, *model, 3).ok()) std::abort();
}

}  // namespace
}  // namespace segd::bench

int main(int argc, char** argv) {
  CLI::App app{"segd relabel benchmark"};
  int customers = 1000000, chunk = 5000, batch = 5000, per_step = 20000, ingest_customers = 100000;
  std::string dir = "/tmp/segd-bench-relabel", json;
  app.add_option("--customers", customers, "stored customers to relabel");
  app.add_option("--chunk", chunk, "output.relabel_chunk_customers");
  app.add_option("--batch", batch, "events per micro-batch (ingest.batch_max_events)");
  app.add_option("--per-step", per_step,
                 "events consumed between two relabel steps (the loop's poll under backlog: "
                 "batch_max_events x 4)");
  app.add_option("--ingest-customers", ingest_customers, "customers of the ingested history");
  app.add_option("--dir", dir);
  app.add_option("--json", json, "write the results to this file");
  CLI11_PARSE(app, argc, argv);
  using namespace segd;
  using namespace segd::bench;

  std::filesystem::remove_all(dir);
  StorageOptions storage;
  storage.path = dir + "/store";
  storage.min_free_mb = 0;
  auto store = OpenRocksDbStateStore(storage);
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;
  auto t = Clock::now();
  FillStore(**store, customers);
  std::printf("store: %d customers and baseline v1 in %.1f s\n", customers,
              Seconds(Clock::now() - t));

  auto broker = DevBroker::Start(1);
  if (!broker.ok() || !(*broker)->CreateTopic("changes", 8).ok()) return 1;
  auto sink = NewKafkaSegmentChangeSink(
      {.brokers = (*broker)->bootstrap_servers(), .topic = "changes", .client_id = "bench"});
  if (!sink.ok()) return 1;
  const std::vector<RawMessage> messages = AsMessages(testing::MakeHistory(ingest_customers, 19));

  IngestStats stats;
  NoDeadLetters dlq;
  IngestPipeline p({}, store->get(), &dlq, &stats, [] { return BenchNow() + 86400000; });
  const int32_t partitions = 16;
  p.SetAnnouncements({.sink = sink->get(),
                      .source = "/segd/bench",
                      .relabel_chunk_customers = size_t(chunk),
                      .partition_of = [&](std::string_view id) {
                        return std::optional<int32_t>(
                            PartitionForKey(PartitionerKind::kConsistentRandom, id, partitions));
                      }});
  if (Status s = p.Load({.live = {.batch_events = 1000}}); !s.ok()) return 1;
  std::set<int32_t> all;
  for (int32_t i = 0; i < partitions; ++i) all.insert(i);
  p.SetAnnouncedPartitions(all);
  if (!p.relabel_pending()) return std::fprintf(stderr, "no relabel started\n"), 1;

  // During the relabel: one poll's worth of events, then one relabel step, as the ingest loop
  // does under a backlog. Half of the history is for this part, half for ingest alone after it.
  std::vector<double> steps_ms;
  double both_s = 0;  // wall time of the iterations that ingested and relabelled
  const size_t half = messages.size() / 2;
  size_t at = 0;
  const auto relabel_start = Clock::now();
  while (p.relabel_pending()) {
    const auto i0 = Clock::now();
    const bool ingest = at < half;
    if (ingest) {
      const size_t n = std::min<size_t>(per_step, half - at);
      if (!p.Process(std::span(messages).subspan(at, n), size_t(batch)).ok()) return 1;
      at += n;
    }
    const auto s0 = Clock::now();
    if (Status s = p.RelabelStep(); !s.ok()) {
      return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
    }
    steps_ms.push_back(Seconds(Clock::now() - s0) * 1e3);
    if (ingest) both_s += Seconds(Clock::now() - i0);
  }
  const double relabel_s = Seconds(Clock::now() - relabel_start);
  const size_t during = at;
  // After it: the same number of events, ingest alone.
  const auto alone_start = Clock::now();
  const size_t alone_n = std::min(during, messages.size() - at);
  for (size_t done = 0; done < alone_n; done += size_t(per_step)) {
    const size_t n = std::min<size_t>(per_step, alone_n - done);
    if (!p.Process(std::span(messages).subspan(at + done, n), size_t(batch)).ok()) return 1;
  }
  const double alone_s = Seconds(Clock::now() - alone_start);

  const uint64_t relabelled = stats.segment_changes[1].load();
  std::printf(
      "relabel of %d customers: %.2f s, %.0f customers/s, %llu segment-change events "
      "produced and acknowledged (%.0f events/s), %zu steps of %d customers\n",
      customers, relabel_s, customers / relabel_s, (unsigned long long)relabelled,
      relabelled / relabel_s, steps_ms.size(), chunk);
  std::printf("ingest waits for one step at most: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              Percentile(steps_ms, 0.5), Percentile(steps_ms, 0.99), Percentile(steps_ms, 1.0));
  std::printf("ingest while relabelling: %zu events in %.2f s = %.0f events/s%s\n", during, both_s,
              during / std::max(1e-9, both_s),
              at < half ? "" : " (the relabel outlasted them: the rest of it ran alone)");
  std::printf("ingest without a relabel: %zu events in %.2f s = %.0f events/s\n", alone_n, alone_s,
              alone_n / std::max(1e-9, alone_s));
  BenchReport report("relabel");
  const std::string sizes =
      std::to_string(customers) + " customers, chunk " + std::to_string(chunk);
  report.Add("relabel rate", "rate", "customers/s", {customers / relabel_s}, sizes);
  report.Add("relabel step (ingest stall) p99", "latency", "ms", {Percentile(steps_ms, 0.99)},
             sizes);
  report.Add("relabel step (ingest stall) max", "latency", "ms", {Percentile(steps_ms, 1.0)},
             sizes);
  report.Add("ingest during relabel", "rate", "events/s", {during / std::max(1e-9, both_s)}, sizes);
  report.Add("ingest without relabel", "rate", "events/s", {alone_n / std::max(1e-9, alone_s)},
             sizes);
  if (!report.WriteJson(json)) return 1;
  return 0;
}
