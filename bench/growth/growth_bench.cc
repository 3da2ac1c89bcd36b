// Disk use as history grows: the same customers buying steadily for 1, 2, 3... years (an order
// every 20-100 days, most reviewed, a few canceled), each history streamed in customer order
// through segd's one-core ingest path (decode + apply + commit) into a fresh RocksDB. Reports the
// RocksDB directory's size after a clean close (WAL included) and after a full compaction (what
// the data itself takes). With storage format 2 and the default fold horizon (365 days) the
// store stops growing once every customer has a year of history: it depends on customers, not
// on events.
//
//   build-bench/bench/growth/segd-bench-growth --customers 100000 --years 1,2,3,4,6
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <random>

#include "common/bench_report.h"
#include "common/ingest_runs.h"
#include "common/process_stats.h"
#include "segd/event/event_time.h"

namespace {

using namespace segd;
using namespace segd::bench;

constexpr int64_t kDay = 86'400'000;

// Calls fn(messages) with batches of the history of `customers` customers over `years` years,
// each customer's events in time order (customers one after another).
template <typename Fn>
uint64_t StreamHistory(int customers, int years, size_t batch, Fn fn) {
  const int64_t start = ParseRfc3339Ms("2016-01-01T00:00:00Z").value();
  const int64_t end = start + years * 365 * kDay;
  std::mt19937_64 rng(42);
  std::vector<RawMessage> messages;
  std::vector<std::pair<int64_t, Event>> events;
  uint64_t total = 0;
  auto flush = [&] {
    if (!messages.empty()) fn(std::span<const RawMessage>(messages));
    total += messages.size();
    messages.clear();
  };
  for (int c = 0; c < customers; ++c) {
    char cid[40];
    std::snprintf(cid, sizeof(cid), "%016llx%016llx", (unsigned long long)rng(),
                  (unsigned long long)rng());
    events.clear();
    int64_t t = start + static_cast<int64_t>(rng() % 100) * kDay;
    for (int o = 0; t < end; ++o) {
      Event e;
      e.subject = cid;
      e.order_id = std::string(cid).substr(0, 16) + std::to_string(o);
      e.type = EventType::kOrderPlaced;
      e.id = e.order_id + "/placed";
      e.time_ms = t;
      e.amount = double(rng() % 50'000) / 100;
      e.items = 1 + int(rng() % 3);
      e.installments = 1 + int(rng() % 6);
      e.region = "SP";
      events.emplace_back(t, e);
      if (rng() % 50 == 0) {
        Event x = e;
        x.type = EventType::kOrderCanceled;
        x.id = e.order_id + "/canceled";
        x.time_ms = t + static_cast<int64_t>(rng() % (3 * kDay));
        events.emplace_back(x.time_ms, x);
      } else if (rng() % 10 < 8) {
        Event r = e;
        r.type = EventType::kReviewSubmitted;
        r.id = e.order_id + "/review";
        r.time_ms = t + (3 + static_cast<int64_t>(rng() % 27)) * kDay;
        r.score = 1 + int(rng() % 5);
        events.emplace_back(r.time_ms, r);
      }
      t += (20 + static_cast<int64_t>(rng() % 81)) * kDay;
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [time, e] : events) {
      if (time >= end) continue;
      messages.push_back({"orders", 0, static_cast<int64_t>(total + messages.size()), true,
                          e.subject, testing::ToContractJson(e)});
    }
    if (messages.size() >= batch) flush();
  }
  flush();
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"segd growth benchmark: disk use as the history of the same customers grows"};
  int customers = 100'000;
  std::vector<int> years = {1, 2, 3, 4, 6};
  std::string dir = "/tmp/segd-bench-growth", json;
  IngestRunOptions options;
  app.add_option("--customers", customers);
  app.add_option("--years", years, "history lengths, comma-separated")->delimiter(',');
  app.add_option("--dir", dir);
  app.add_option("--json", json, "write the results to this file");
  CLI11_PARSE(app, argc, argv);

  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  BenchReport report("growth");
  std::printf("%d customers, one-core path, default storage and fold settings\n", customers);
  std::printf("%6s %12s %14s %14s %16s %14s %10s\n", "years", "events", "events/cust", "disk MiB",
              "compacted MiB", "B/customer", "events/s");
  for (int y : years) {
    const std::string state = dir + "/state";
    OneCoreIngest ingest(state, options);
    const auto start = std::chrono::steady_clock::now();
    const uint64_t events = StreamHistory(
        customers, y, options.batch, [&](std::span<const RawMessage> m) { ingest.Process(m); });
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ingest.Close();
    const int64_t disk = DiskUsageBytes(state);
    const int64_t compacted = CompactedBytes(state);
    std::printf("%6d %12llu %14.1f %14.1f %16.1f %14.1f %10.0f\n", y, (unsigned long long)events,
                double(events) / customers, disk / 1048576.0, compacted / 1048576.0,
                double(compacted) / customers, events / wall);
    std::fflush(stdout);
    char label[64];
    std::snprintf(label, sizeof(label), "%d customers, %d years", customers, y);
    const std::string note = std::to_string(events) + " events";
    report.Add(label, "RocksDB dir disk use", "MiB", {disk / 1048576.0}, note);
    report.Add(label, "after a full compaction (SST files)", "MiB", {compacted / 1048576.0}, note);
    std::filesystem::remove_all(state);
  }
  std::filesystem::remove_all(dir);
  return report.WriteJson(json) ? 0 : 1;
}
