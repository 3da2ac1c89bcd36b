// Lookup benchmark: N synthetic customers in RocksDB, a baseline fitted on a sample, segd's HTTP
// stack (civetweb + Api) on loopback, and `wrk` (Debian package; `bash tools/setup.sh --bench`)
// driving single lookups (GET /v1/customers/{id}) and batch lookups (POST
// /v1/customers:batchGet with 100 ids) on random stored ids. Prints requests/s and latency
// percentiles per run, then the medians.
//
//   build/bench/lookup/segd-bench-lookup --customers 1000000 --runs 3 --seconds 10
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include "app/api.h"
#include "common/bench_report.h"
#include "common/synthetic_customers.h"
#include "segd/event/event_time.h"
#include "segd/model/baseline_trainer.h"
#include "segd/state/rocksdb_state_store.h"

namespace {

using namespace segd;

using segd::bench::RandomCustomer;
const int64_t kNow = segd::bench::BenchNow();

struct WrkResult {
  double rps = 0, p50_ms = 0, p99_ms = 0;
  long errors = 0;
};

double Millis(const std::string& value, const std::string& unit) {
  const double v = std::stod(value);
  return unit == "us" ? v / 1000 : unit == "s" ? v * 1000 : v;
}

WrkResult RunWrk(int port, const std::string& script, int threads, int connections, int seconds) {
  const std::string cmd = "wrk -t" + std::to_string(threads) + " -c" + std::to_string(connections) +
                          " -d" + std::to_string(seconds) + "s --latency -s " + script +
                          " http://127.0.0.1:" + std::to_string(port) + "/ 2>&1";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
    pclose(p);
  }
  WrkResult r;
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([\d.]+))"))) {
    r.rps = std::stod(m[1]);
  }
  if (std::regex_search(out, m, std::regex(R"(50%\s+([\d.]+)(us|ms|s))"))) {
    r.p50_ms = Millis(m[1], m[2]);
  }
  if (std::regex_search(out, m, std::regex(R"(99%\s+([\d.]+)(us|ms|s))"))) {
    r.p99_ms = Millis(m[1], m[2]);
  }
  if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses:\s+(\d+))"))) {
    r.errors = std::stol(m[1]);
  }
  if (r.rps == 0) std::fprintf(stderr, "wrk failed:\n%s\n", out.c_str());
  return r;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"segd lookup benchmark (wrk)"};
  int customers = 1'000'000, runs = 3, seconds = 10, connections = 32, wrk_threads = 1,
      http_threads = 32;
  std::string dir = "/tmp/segd-bench-lookup", json;
  app.add_option("--customers", customers);
  app.add_option("--json", json, "write the results to this file");
  app.add_option("--runs", runs);
  app.add_option("--seconds", seconds, "per wrk run");
  app.add_option("--connections", connections, "wrk keep-alive connections");
  app.add_option("--wrk-threads", wrk_threads);
  app.add_option("--http-threads", http_threads, "segd http.threads (>= connections)");
  app.add_option("--dir", dir);
  CLI11_PARSE(app, argc, argv);

  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  StorageOptions o;
  o.path = dir + "/state";
  auto store = OpenRocksDbStateStore(o);
  if (!store.ok()) return 1;
  std::mt19937_64 rng(1);
  std::vector<std::string> sample_ids;
  const auto fill_start = std::chrono::steady_clock::now();
  for (int base = 0; base < customers; base += 50'000) {
    std::vector<std::string> ids;
    std::vector<CustomerState> states;
    const int n = std::min(50'000, customers - base);
    for (int i = 0; i < n; ++i) {
      char id[40];
      std::snprintf(id, sizeof(id), "%032llx", (unsigned long long)(rng()));
      ids.emplace_back(id);
      states.push_back(RandomCustomer(rng));
    }
    StateDelta d;
    std::vector<CustomerRecord> records(states.size());
    for (int i = 0; i < n; ++i) {
      records[i].state = states[i];
      d.customers.emplace_back(ids[i], &records[i]);
    }
    if (!(*store)->Commit(d).ok()) return 1;
    for (int i = 0; i < n; i += 10) sample_ids.push_back(ids[i]);  // every 10th id is looked up
  }
  // A baseline, then the progress record that sets the watermark the lookups compute at.
  StateDelta progress;
  progress.progress.push_back({{"orders", 0}, {.next_offset = 1, .watermark_ms = kNow}});
  if (!(*store)->Commit(progress).ok()) return 1;
  auto baseline = TrainBaseline(**store, kNow, FeatureSpec::Default(),
                                {.k = 4, .n_init = 3, .min_customers = 10}, nullptr);
  if (!baseline.ok() || !SaveBaseline(**store, *baseline, 3).ok()) return 1;
  std::printf("filled %d customers and fitted the baseline in %.1f s\n", customers,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count());

  IngestStats stats;
  CountingDeadLetterSink dlq;
  IngestPipeline pipeline({}, store->get(), &dlq, &stats, [] { return kNow; });
  if (!pipeline.Load().ok()) return 1;
  SegdConfig config;
  config.http.bind = "127.0.0.1:0";
  config.http.threads = http_threads;
  config.http.keep_alive_timeout_ms = 60000;
  const Api api(config, {.store = store->get(), .pipeline = &pipeline, .stats = &stats});
  auto server =
      HttpServer::Start(config.http, [&api](const HttpRequest& r) { return api.Handle(r); });
  if (!server.ok()) return 1;

  // wrk scripts: random stored ids, one per GET, 100 per batchGet.
  const std::string ids_file = dir + "/ids.txt";
  {
    std::ofstream f(ids_file);
    for (const std::string& id : sample_ids) f << id << "\n";
  }
  const std::string lua_init = "local ids = {}\nfor line in io.lines(\"" + ids_file +
                               "\") do ids[#ids + 1] = line end\n"
                               "math.randomseed(os.time())\n";
  std::ofstream(dir + "/single.lua") << lua_init
                                     << "request = function()\n  return wrk.format(\"GET\", "
                                        "\"/v1/customers/\" .. ids[math.random(#ids)])\nend\n";
  std::ofstream(dir + "/batch.lua")
      << lua_init
      << "request = function()\n  local b = {}\n  for i = 1, 100 do b[i] = '\"' .. "
         "ids[math.random(#ids)] .. '\"' end\n  return wrk.format(\"POST\", "
         "\"/v1/customers:batchGet\", {[\"Content-Type\"] = \"application/json\"}, "
         "'{\"ids\":[' .. table.concat(b, \",\") .. ']}')\nend\n";

  bench::BenchReport report("lookup");
  std::printf("%-44s %12s %10s %10s %8s\n", "workload", "requests/s", "p50 ms", "p99 ms", "errors");
  for (const char* kind : {"single", "batch"}) {
    std::vector<double> rps, p50, p99, errors;
    for (int r = 0; r < runs; ++r) {
      const WrkResult w =
          RunWrk((*server)->port(), dir + "/" + kind + ".lua", wrk_threads, connections, seconds);
      rps.push_back(w.rps);
      p50.push_back(w.p50_ms);
      p99.push_back(w.p99_ms);
      errors.push_back(double(w.errors));
      char label[96];
      std::snprintf(label, sizeof(label), "%s, %d connections, run %d", kind, connections, r + 1);
      std::printf("%-44s %12.0f %10.3f %10.3f %8ld\n", label, w.rps, w.p50_ms, w.p99_ms, w.errors);
    }
    char label[96];
    std::snprintf(label, sizeof(label), "%s: median of %d", kind, runs);
    std::printf("%-44s %12.0f %10.3f %10.3f\n", label, Median(rps), Median(p50), Median(p99));
    const std::string name =
        std::string(kind == std::string("single") ? "GET /v1/customers/{id}"
                                                  : "POST /v1/customers:batchGet (100 ids)") +
        ", " + std::to_string(connections) + " connections";
    const std::string setup = std::to_string(customers) + " customers; wrk -t" +
                              std::to_string(wrk_threads) + " -c" + std::to_string(connections) +
                              " -d" + std::to_string(seconds) + "s; http.threads " +
                              std::to_string(http_threads);
    report.Add(name, "requests/s", "1/s", rps, setup);
    report.Add(name, "p50", "ms", p50);
    report.Add(name, "p99", "ms", p99, "target < 2 ms at 20,000 requests/s");
    report.Add(name, "non-2xx responses", "", errors);
  }
  server->reset();
  std::filesystem::remove_all(dir);
  return report.WriteJson(json) ? 0 : 1;
}
