// Drift evaluation and baseline fit benchmark: N synthetic Olist-like customers in RocksDB, a
// baseline fitted on them, a slightly moved live model, and the time of a full `online` drift
// evaluation (scan every customer, features, both labels, ARI) plus the baseline fit time,
// side by side with scikit-learn's KMeans on the same rows (bench/drift/sklearn_kmeans.py,
// Debian python3-sklearn: `bash tools/setup.sh --bench`).
//
//   build/bench/drift/segd-bench-drift --customers 1000000 --runs 3 --fit-rows 100000,1000000
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "common/bench_report.h"
#include "common/synthetic_customers.h"
#include "segd/event/event_time.h"
#include "segd/model/drift_evaluator.h"
#include "segd/model/kmeans.h"
#include "segd/state/rocksdb_state_store.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace segd;

using segd::bench::RandomCustomer;
const int64_t kNow = segd::bench::BenchNow();

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Runs scikit-learn KMeans on `x` (same k, n_init) `runs` times; null JSON when unavailable.
nlohmann::json SklearnFit(const RowMatrix& x, int k, int n_init, int runs, const std::string& dir) {
  const std::string rows = dir + "-rows.f64";
  std::ofstream(rows, std::ios::binary)
      .write(reinterpret_cast<const char*>(x.data()), std::streamsize(x.size() * sizeof(double)));
  const std::string cmd = "/usr/bin/python3 " + std::string(SEGD_SOURCE_DIR) +
                          "/bench/drift/sklearn_kmeans.py " + rows + " " +
                          std::to_string(x.cols()) + " " + std::to_string(k) + " " +
                          std::to_string(n_init) + " " + std::to_string(runs) + " 2>/dev/null";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
    pclose(p);
  }
  std::filesystem::remove(rows);
  return nlohmann::json::parse(out, nullptr, false);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"segd drift benchmark"};
  int customers = 1'000'000, runs = 3, fit_rows = 100'000;
  std::string dir = "/tmp/segd-bench-drift", json;
  app.add_option("--customers", customers);
  app.add_option("--json", json, "write the results to this file");
  app.add_option("--runs", runs);
  std::vector<int> fit_rows_list = {fit_rows};
  app.add_option("--fit-rows", fit_rows_list,
                 "rows for the timed baseline fits (k=4, n_init=10), comma-separated")
      ->delimiter(',');
  app.add_option("--dir", dir);
  CLI11_PARSE(app, argc, argv);
  fit_rows = *std::max_element(fit_rows_list.begin(), fit_rows_list.end());

  std::filesystem::remove_all(dir);
  StorageOptions o;
  o.path = dir;
  auto store = OpenRocksDbStateStore(o);
  if (!store.ok()) return 1;
  std::mt19937_64 rng(1);
  const FeatureSpec spec = FeatureSpec::Default();
  RowMatrix sample(std::min(customers, fit_rows), 3);
  {
    std::vector<std::string> ids;
    std::vector<CustomerState> states;
    for (int base = 0; base < customers; base += 50'000) {
      ids.clear();
      states.clear();
      const int n = std::min(50'000, customers - base);
      for (int i = 0; i < n; ++i) {
        char id[40];
        std::snprintf(id, sizeof(id), "%032llx", (unsigned long long)(rng()));
        ids.emplace_back(id);
        states.push_back(RandomCustomer(rng));
        if (base + i < sample.rows())
          ExtractFeatures(spec, states.back(), kNow, sample.row(base + i).data());
      }
      StateDelta d;
      std::vector<CustomerRecord> records(states.size());
      for (int i = 0; i < n; ++i) {
        records[i].state = states[i];
        d.customers.emplace_back(ids[i], &records[i]);
      }
      if (!(*store)->Commit(d).ok()) return 1;
    }
  }
  const std::vector<double> w = {1, 1, 1};
  const Scaler scaler = Scaler::Fit(sample, w);
  scaler.TransformInPlace(&sample);
  KMeansModel baseline;
  bench::BenchReport results("drift");
  std::printf("%-28s %10s %10s %10s %14s %14s %8s\n", "baseline fit, k=4, n_init=10", "segd s",
              "sklearn s", "ratio", "segd inertia", "sklearn inertia", "ratio");
  for (int rows : fit_rows_list) {
    const RowMatrix x = sample.topRows(std::min<Eigen::Index>(rows, sample.rows()));
    std::vector<double> times;
    for (int r = 0; r < runs; ++r) {
      auto fit_start = Clock::now();
      baseline = FitKMeans(x, {.k = 4, .n_init = 10, .seed = 0});
      times.push_back(Seconds(fit_start));
    }
    const nlohmann::json sk = SklearnFit(x, 4, 10, runs, dir);
    const bool have_sk = sk.is_object();
    const double sk_seconds = have_sk ? Median(sk["seconds"].get<std::vector<double>>()) : NAN;
    const double sk_inertia = have_sk ? sk["inertia"].get<double>() : NAN;
    char label[64];
    std::snprintf(label, sizeof(label), "%lld rows", (long long)x.rows());
    std::printf("%-28s %10.3f %10.3f %10.2f %14.1f %14.1f %8.5f\n", label, Median(times),
                sk_seconds, sk_seconds / Median(times), baseline.inertia, sk_inertia,
                baseline.inertia / sk_inertia);
    results.Add(label, "segd fit time", "s", times,
                "k=4, n_init=10, k-means++, Lloyd; restarts on " +
                    std::to_string(std::thread::hardware_concurrency()) + " threads");
    if (have_sk) {
      const std::string tool = "scikit-learn " + sk["version"].get<std::string>() + ", " +
                               std::to_string(sk["threads"].get<int>()) + " threads";
      results.Add(label, "scikit-learn fit time", "s", sk["seconds"].get<std::vector<double>>(),
                  "KMeans(k=4, n_init=10, init=k-means++, algorithm=lloyd), " + tool);
      results.AddValue(label, "speed ratio (scikit-learn / segd)", "x", sk_seconds / Median(times),
                       "medians of the same invocation; target > 1");
      results.AddValue(label, "inertia ratio (segd / scikit-learn)", "",
                       baseline.inertia / sk_inertia, "target within 1%");
      std::printf(
          "  (segd: restarts on %u threads, %d Lloyd iterations in the best run; %s; medians of "
          "%d runs)\n",
          std::thread::hardware_concurrency(), baseline.iterations, tool.c_str(), runs);
    } else {
      std::printf("  (scikit-learn not found: bash tools/setup.sh --bench)\n");
    }
  }
  // The drift evaluation below uses the fit on the largest sample.
  baseline = FitKMeans(sample, {.k = 4, .n_init = 10, .seed = 0});

  RowMatrix live = baseline.centroids;
  live.col(0).array() += 0.05;  // a slightly moved live model
  std::vector<double> times;
  double ari = 0;
  uint64_t population = 0;
  for (int r = 0; r < runs; ++r) {
    auto report = EvaluateDrift(**store, kNow, {&spec, &scaler, &baseline.centroids},
                                {&spec, &scaler, &live});
    if (!report.ok()) return 1;
    times.push_back(report->seconds);
    ari = report->ari;
    population = report->customers;
  }
  results.Add("online, " + std::to_string(population) + " customers from RocksDB",
              "drift evaluation", "s", times,
              "scan + features + 2 labels + contingency table + ARI; target < 0.5 s");
  std::sort(times.begin(), times.end());
  std::printf(
      "online drift evaluation over %llu customers (RocksDB scan + features + 2 labels + "
      "ARI): median %.3f s (min %.3f, max %.3f), ARI %.4f\n",
      (unsigned long long)population, times[times.size() / 2], times.front(), times.back(), ari);
  std::filesystem::remove_all(dir);
  return results.WriteJson(json) ? 0 : 1;
}
