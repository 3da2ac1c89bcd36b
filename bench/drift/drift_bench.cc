// Drift evaluation and baseline fit benchmark: N synthetic Olist-like customers in RocksDB, a
// baseline fitted on them, a slightly moved live model, and the time of a full `online` drift
// evaluation (scan every customer, features, both labels, ARI) plus the baseline fit time.
//
//   build/bench/drift/segd-bench-drift --customers 1000000 --runs 3
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "segd/event/event_time.h"
#include "segd/model/drift_evaluator.h"
#include "segd/model/kmeans.h"
#include "segd/state/rocksdb_state_store.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace segd;

const int64_t kNow = ParseRfc3339Ms("2018-10-17T00:00:00Z").value();

CustomerState RandomCustomer(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::lognormal_distribution<double> value(std::log(95.0), 0.95);
  CustomerState s;
  s.order_count = u(rng) < 0.97 ? 1 : 2 + static_cast<int>(u(rng) * 5);
  s.total_amount = 0;
  for (uint32_t i = 0; i < s.order_count; ++i) s.total_amount += value(rng);
  s.last_order_ms = kNow - static_cast<int64_t>(u(rng) * 700 * kMillisPerDay);
  s.first_order_ms = s.last_order_ms;
  s.item_sum = s.installment_sum = s.order_count;
  return s;
}

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"segd drift benchmark"};
  int customers = 1'000'000, runs = 3, fit_rows = 100'000;
  std::string dir = "/tmp/segd-bench-drift";
  app.add_option("--customers", customers);
  app.add_option("--runs", runs);
  app.add_option("--fit-rows", fit_rows, "rows for the timed baseline fit (k=4, n_init=10)");
  app.add_option("--dir", dir);
  CLI11_PARSE(app, argc, argv);

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
      for (int i = 0; i < n; ++i) d.customers.emplace_back(ids[i], &states[i]);
      if (!(*store)->Commit(d).ok()) return 1;
    }
  }
  const std::vector<double> w = {1, 1, 1};
  const Scaler scaler = Scaler::Fit(sample, w);
  scaler.TransformInPlace(&sample);
  auto fit_start = Clock::now();
  const KMeansModel baseline = FitKMeans(sample, {.k = 4, .n_init = 10, .seed = 0});
  const double fit_seconds = Seconds(fit_start);
  std::printf("baseline fit: %lld rows, k=4, n_init=10: %.3f s (inertia %.1f, %d iterations)\n",
              (long long)sample.rows(), fit_seconds, baseline.inertia, baseline.iterations);

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
  std::sort(times.begin(), times.end());
  std::printf(
      "online drift evaluation over %llu customers (RocksDB scan + features + 2 labels + "
      "ARI): median %.3f s (min %.3f, max %.3f), ARI %.4f\n",
      (unsigned long long)population, times[times.size() / 2], times.front(), times.back(), ari);
  std::filesystem::remove_all(dir);
  return 0;
}
