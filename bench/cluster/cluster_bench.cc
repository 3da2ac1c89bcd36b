// Lookup latency through a forwarding instance against the owner itself: N synthetic customers
// in RocksDB behind segd's HTTP stack (the owner), and a second HTTP stack whose locator sends
// every customer to the owner (a member that does not own the partition). One client thread
// sends GET /v1/customers/{id} (one connection per request, as forwarding does) and POST
// /v1/customers:batchGet (100 ids) on random stored ids to each, and prints p50/p99.
//
//   build/bench/cluster/segd-bench-cluster --customers 100000 --requests 5000
// The time from a rebalance to every instance answering again is measured by
// ClusterIntegrationTest (it prints it).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "app/api.h"
#include "common/bench_report.h"
#include "common/synthetic_customers.h"
#include "segd/http/http_client.h"
#include "segd/model/baseline_trainer.h"
#include "segd/state/rocksdb_state_store.h"

namespace {

using namespace segd;
using Clock = std::chrono::steady_clock;

class ForwardEverything : public CustomerLocator {
 public:
  explicit ForwardEverything(std::string url) : url_(std::move(url)) {}
  CustomerRoute Locate(std::string_view) const override {
    return {CustomerRoute::Kind::kForward, url_};
  }
  void CountForwarded() const override {}

 private:
  std::string url_;
};

struct Latency {
  double p50_ms = 0, p99_ms = 0;
  int errors = 0;
};

Latency Measure(int port, const std::vector<std::string>& ids, int requests, bool batch,
                std::mt19937_64& rng) {
  std::vector<double> ms;
  Latency out;
  for (int i = 0; i < requests; ++i) {
    HttpCall call{.base_url = "http://127.0.0.1:" + std::to_string(port)};
    if (batch) {
      call.method = "POST";
      call.target = "/v1/customers:batchGet";
      call.body = "{\"ids\":[";
      for (int j = 0; j < 100; ++j) {
        call.body += (j ? ",\"" : "\"") + ids[rng() % ids.size()] + "\"";
      }
      call.body += "]}";
    } else {
      call.target = "/v1/customers/" + ids[rng() % ids.size()];
    }
    const auto start = Clock::now();
    auto r = SendHttpRequest(call);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (!r.ok() || r->status != 200) ++out.errors;
  }
  std::sort(ms.begin(), ms.end());
  out.p50_ms = ms[ms.size() / 2];
  out.p99_ms = ms[ms.size() * 99 / 100];
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"segd lookup through a forwarding instance"};
  int customers = 100'000, requests = 5000;
  std::string dir = "/tmp/segd-bench-cluster", json;
  app.add_option("--customers", customers);
  app.add_option("--requests", requests, "per workload and target");
  app.add_option("--json", json, "write the results to this file");
  app.add_option("--dir", dir);
  CLI11_PARSE(app, argc, argv);

  const int64_t now = bench::BenchNow();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  StorageOptions o;
  o.path = dir + "/state";
  auto store = OpenRocksDbStateStore(o);
  if (!store.ok()) return 1;
  std::mt19937_64 rng(1);
  std::vector<std::string> ids;
  for (int base = 0; base < customers; base += 50'000) {
    const int n = std::min(50'000, customers - base);
    std::vector<std::string> batch_ids;
    std::vector<CustomerState> states;
    for (int i = 0; i < n; ++i) {
      char id[40];
      std::snprintf(id, sizeof(id), "%032llx", (unsigned long long)(rng()));
      batch_ids.emplace_back(id);
      states.push_back(bench::RandomCustomer(rng));
    }
    StateDelta d;
    std::vector<CustomerRecord> records(states.size());
    for (int i = 0; i < n; ++i) {
      records[i].state = states[i];
      d.customers.emplace_back(batch_ids[i], &records[i]);
    }
    if (!(*store)->Commit(d).ok()) return 1;
    for (int i = 0; i < n; i += 10) ids.push_back(batch_ids[i]);
  }
  StateDelta progress;
  progress.progress.push_back({{"orders", 0}, {.next_offset = 1, .watermark_ms = now}});
  if (!(*store)->Commit(progress).ok()) return 1;
  auto baseline = TrainBaseline(**store, now, FeatureSpec::Default(),
                                {.k = 4, .n_init = 3, .min_customers = 10}, nullptr);
  if (!baseline.ok() || !SaveBaseline(**store, *baseline, 3).ok()) return 1;

  IngestStats stats;
  CountingDeadLetterSink dlq;
  IngestPipeline pipeline({}, store->get(), &dlq, &stats, [now] { return now; });
  if (!pipeline.Load().ok()) return 1;
  SegdConfig config;
  config.http.bind = "127.0.0.1:0";
  config.http.threads = 16;
  const Api owner_api(config, {.store = store->get(), .pipeline = &pipeline, .stats = &stats});
  auto owner = HttpServer::Start(
      config.http, [&owner_api](const HttpRequest& r) { return owner_api.Handle(r); });
  if (!owner.ok()) return 1;
  const ForwardEverything to_owner("http://127.0.0.1:" + std::to_string((*owner)->port()));
  const Api front_api(config, {.store = store->get(),
                               .pipeline = &pipeline,
                               .stats = &stats,
                               .locator = &to_owner,
                               .forward = SendHttpRequest});
  auto front = HttpServer::Start(
      config.http, [&front_api](const HttpRequest& r) { return front_api.Handle(r); });
  if (!front.ok()) return 1;

  bench::BenchReport report("cluster");
  std::printf("%-46s %10s %10s %8s\n", "workload", "p50 ms", "p99 ms", "errors");
  for (bool batch : {false, true}) {
    for (bool forwarded : {false, true}) {
      const int port = forwarded ? (*front)->port() : (*owner)->port();
      const Latency l = Measure(port, ids, requests, batch, rng);
      const std::string name = std::string(batch ? "batchGet (100 ids)" : "GET one customer") +
                               (forwarded ? ", through a forwarding member" : ", at the owner");
      std::printf("%-46s %10.3f %10.3f %8d\n", name.c_str(), l.p50_ms, l.p99_ms, l.errors);
      const std::string setup = std::to_string(customers) + " customers, " +
                                std::to_string(requests) + " sequential requests, loopback";
      report.Add(name, "p50", "ms", {l.p50_ms}, setup);
      report.Add(name, "p99", "ms", {l.p99_ms});
      report.Add(name, "non-2xx responses", "", {double(l.errors)});
    }
  }
  front->reset();
  owner->reset();
  std::filesystem::remove_all(dir);
  return report.WriteJson(json) ? 0 : 1;
}
