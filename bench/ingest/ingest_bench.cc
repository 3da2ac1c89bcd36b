// End-to-end ingest benchmark: a dev broker in this process, a topic filled with a generated
// history, then segd's ingest loop (Kafka -> decode -> RocksDB) timed until caught up, several
// times on fresh state directories. Also times decode+apply alone on one core (no Kafka).
//
//   build/bench/ingest/segd-bench-ingest --customers 100000 --partitions 16 --runs 3
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "common/bench_report.h"
#include "common/ingest_runs.h"

int main(int argc, char** argv) {
  CLI::App app{"segd ingest benchmark"};
  int customers = 100000, partitions = 16, runs = 3;
  std::string dir = "/tmp/segd-bench-ingest", json;
  segd::bench::IngestRunOptions options;
  app.add_option("--customers", customers);
  app.add_option("--partitions", partitions);
  app.add_option("--runs", runs);
  app.add_option("--dir", dir);
  app.add_option("--write-buffer-mb", options.storage.write_buffer_mb);
  app.add_option("--block-cache-mb", options.storage.block_cache_mb);
  app.add_option("--batch", options.batch, "micro-batch size in events");
  app.add_option("--json", json, "write the results to this file");
  bool one_core_only = false;
  app.add_flag("--one-core-only", one_core_only, "skip the end-to-end part");
  CLI11_PARSE(app, argc, argv);
  using namespace segd;
  using namespace segd::bench;

  auto history = testing::MakeHistory(customers, 11);
  size_t bytes = 0;
  for (const auto& e : history) bytes += e.json.size();
  std::printf("history: %zu events, %.1f MiB, avg %.0f bytes/event\n", history.size(),
              bytes / 1048576.0, double(bytes) / history.size());
  const size_t events = history.size();
  BenchReport report("ingest");
  const std::string sizes =
      std::to_string(customers) + " customers, " + std::to_string(events) + " events";

  // The path without Kafka: one micro-batch per Process call (one core), then four per call
  // (each commit on a second thread while the next batch is applied, as under backlog).
  {
    const std::vector<RawMessage> messages = AsMessages(history);
    for (const size_t per_call : {size_t(1), size_t(4)}) {
      IngestRunOptions o = options;
      o.batches_per_process = per_call;
      std::vector<double> rates;
      for (int r = 0; r < runs; ++r) rates.push_back(DecodeApplyRate(messages, dir + "/one", o));
      const auto s = RunSummary::Of(rates);
      const char* name = per_call == 1 ? "decode+apply+commit, one core"
                                       : "decode+apply+commit, commit on a second thread";
      std::printf("%s, no Kafka, RocksDB: median %.0f events/s (min %.0f, max %.0f)\n", name,
                  s.median, s.min, s.max);
      report.Add(name, "rate", "events/s", rates,
                 per_call == 1 ? sizes : sizes + "; 4 micro-batches per Process call");
    }
  }

  if (!one_core_only && bytes / 1048576.0 / partitions > 4.5) {
    std::fprintf(stderr, "too few partitions for %.0f MiB: the mock keeps ~5 MiB of each\n",
                 bytes / 1048576.0);
    return 2;
  }
  if (!one_core_only) {
    const auto broker = BrokerWithHistory(partitions, history);
    const std::string brokers = broker->bootstrap_servers();
    std::vector<double> e2e;
    for (int r = 0; r < runs; ++r) {
      e2e.push_back(EndToEndRate(brokers, "orders", events, dir + "/e2e", r, options));
    }
    const auto s2 = RunSummary::Of(e2e);
    std::printf(
        "end to end, dev broker -> RocksDB (%d partitions): median %.0f events/s (min %.0f, "
        "max %.0f)\n",
        partitions, s2.median, s2.min, s2.max);
    report.Add("end to end, dev broker -> RocksDB", "rate", "events/s", e2e,
               sizes + ", " + std::to_string(partitions) + " partitions");
  }
  std::filesystem::remove_all(dir);
  return report.WriteJson(json) ? 0 : 1;
}
