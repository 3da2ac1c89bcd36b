// Online updates vs scikit-learn: segd's live model (MiniBatchKMeans::Update, and
// LiveSegmentation::Observe, which adds features and scaling per customer) and scikit-learn's
// MiniBatchKMeans.partial_fit (bench/online/sklearn_minibatch.py) on the same stream of scaled
// RFM points of synthetic customers, the same batch size and the same initial centres (a
// baseline fitted on the first rows). Points per second and the final inertia on all points.
//
//   build-bench/bench/online/segd-bench-online --points 1000000 --batch 1000 --runs 3
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "common/bench_report.h"
#include "common/command_output.h"
#include "common/synthetic_customers.h"
#include "segd/event/event_time.h"
#include "segd/model/kmeans.h"
#include "segd/model/live_segmentation.h"

namespace {

using namespace segd;
using namespace segd::bench;
using Clock = std::chrono::steady_clock;

using segd::bench::RandomCustomer;
const int64_t kNow = segd::bench::BenchNow();

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void WriteRows(const std::string& path, const RowMatrix& x) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(x.data()), std::streamsize(x.size() * sizeof(double)));
}

// The baseline the live model starts from: the fit on the first rows, as the daemon saves it.
std::shared_ptr<const BaselineModel> MakeBaseline(const FeatureSpec& spec, const Scaler& scaler,
                                                  const KMeansModel& fit, const RowMatrix& rows) {
  auto b = std::make_shared<BaselineModel>();
  b->version = 1;
  b->watermark_ms = kNow;
  b->spec = spec;
  b->scaler = scaler;
  b->centroids = fit.centroids;
  b->inertia = fit.inertia;
  b->sizes.assign(fit.centroids.rows(), 0);
  for (int label : fit.Assign(rows)) ++b->sizes[label];
  b->population = rows.rows();
  b->names.assign(fit.centroids.rows(), "");
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"segd online updates vs scikit-learn MiniBatchKMeans.partial_fit"};
  int points = 1'000'000, batch = 1000, runs = 3, fit_rows = 100'000, k = 4;
  std::string dir = "/tmp/segd-bench-online", json;
  app.add_option("--points", points, "stream length");
  app.add_option("--batch", batch, "points per mini-batch (model.live_batch_events)");
  app.add_option("--runs", runs);
  app.add_option("--fit-rows", fit_rows, "rows of the baseline fit (initial centres)");
  app.add_option("--k", k);
  app.add_option("--dir", dir);
  app.add_option("--json", json, "write the results to this file");
  CLI11_PARSE(app, argc, argv);
  fit_rows = std::min(fit_rows, points);

  // The stream: customers in arrival order, their scaled features, cut into mini-batches.
  std::mt19937_64 rng(7);
  const FeatureSpec spec = FeatureSpec::Default();
  const int d = static_cast<int>(spec.features.size());
  std::vector<CustomerState> customers(points);
  RowMatrix x(points, d);
  for (int i = 0; i < points; ++i) {
    customers[i] = RandomCustomer(rng);
    if (!ExtractFeatures(spec, customers[i], kNow, x.row(i).data())) return 1;
  }
  const std::vector<double> weights(d, 1.0);
  const Scaler scaler = Scaler::Fit(x.topRows(fit_rows), weights);
  scaler.TransformInPlace(&x);
  const KMeansModel fit = FitKMeans(x.topRows(fit_rows), {.k = k, .n_init = 10, .seed = 0});
  const auto baseline = MakeBaseline(spec, scaler, fit, x.topRows(fit_rows));
  std::vector<RowMatrix> batches;
  for (int i = 0; i < points; i += batch)
    batches.push_back(x.middleRows(i, std::min(batch, points - i)));

  // segd, counts from 0 and nothing frozen: the same update rule as partial_fit.
  std::vector<double> segd_rate, live_rate;
  MiniBatchKMeans model;
  for (int r = 0; r < runs; ++r) {
    model = MiniBatchKMeans(fit.centroids, std::vector<double>(k, 0.0), {});
    const auto start = Clock::now();
    for (const RowMatrix& b : batches) model.Update(b, kNow);
    segd_rate.push_back(points / Seconds(start));
  }
  const double segd_inertia = Inertia(model.centroids(), x);
  // The daemon's live model: features and scaling per customer, baseline sizes as history.
  LiveSegmentation live({.batch_events = batch});
  for (int r = 0; r < runs; ++r) {
    live.ResetTo(baseline);
    const auto start = Clock::now();
    for (const CustomerState& c : customers) live.Observe(c, kNow, "orders", 0);
    live_rate.push_back(points / Seconds(start));
  }
  const double live_inertia = Inertia(live.model().centroids(), x);

  std::filesystem::create_directories(dir);
  WriteRows(dir + "/points.f64", x);
  WriteRows(dir + "/centers.f64", fit.centroids);
  const CommandOutput out = RunCommand(
      "/usr/bin/python3 " + std::string(SEGD_SOURCE_DIR) + "/bench/online/sklearn_minibatch.py " +
      dir + "/points.f64 " + dir + "/centers.f64 " + std::to_string(d) + " " +
      std::to_string(batch) + " " + std::to_string(runs) + " 2>/dev/null");
  std::filesystem::remove_all(dir);
  const auto sk = nlohmann::json::parse(out.out, nullptr, false);
  const bool have_sk = sk.is_object();

  BenchReport report("online");
  const std::string stream = std::to_string(points) + " points, d=" + std::to_string(d) +
                             ", k=" + std::to_string(k) + ", batches of " + std::to_string(batch);
  report.Add("segd MiniBatchKMeans::Update", "rate", "points/s", segd_rate,
             stream + "; counts from 0, nothing frozen (partial_fit's rule)");
  report.Add("segd LiveSegmentation::Observe", "rate", "points/s", live_rate,
             stream +
                 "; + features and scaling per customer, baseline sizes as counts, "
                 "recency frozen (the daemon's live model)");
  report.AddValue("segd MiniBatchKMeans::Update", "final inertia", "", segd_inertia,
                  "on all stream points");
  report.AddValue("segd LiveSegmentation::Observe", "final inertia", "", live_inertia,
                  "on all stream points (different rule: not comparable 1:1)");
  const auto s = RunSummary::Of(segd_rate), l = RunSummary::Of(live_rate);
  std::printf("stream: %s\n%-44s %14s %14s\n", stream.c_str(), "", "points/s", "final inertia");
  std::printf("%-44s %14.0f %14.3f\n", "segd MiniBatchKMeans::Update", s.median, segd_inertia);
  std::printf("%-44s %14.0f %14.3f\n", "segd LiveSegmentation::Observe", l.median, live_inertia);
  if (have_sk) {
    std::vector<double> sk_rate;
    for (double t : sk["seconds"].get<std::vector<double>>()) sk_rate.push_back(points / t);
    const auto centers = sk["centers"].get<std::vector<std::vector<double>>>();
    RowMatrix sk_centers(k, d);
    double max_diff = 0;
    for (int c = 0; c < k; ++c) {
      for (int j = 0; j < d; ++j) {
        sk_centers(c, j) = centers[c][j];
        max_diff = std::max(max_diff, std::abs(sk_centers(c, j) - model.centroids()(c, j)));
      }
    }
    const double sk_inertia = Inertia(sk_centers, x);
    const auto sks = RunSummary::Of(sk_rate);
    const std::string tool = "scikit-learn " + sk["version"].get<std::string>() + ", " +
                             std::to_string(sk["threads"].get<int>()) + " threads";
    report.Add("scikit-learn MiniBatchKMeans.partial_fit", "rate", "points/s", sk_rate,
               stream + "; " + tool + ", reassignment off, compute_labels off");
    report.AddValue("scikit-learn MiniBatchKMeans.partial_fit", "final inertia", "", sk_inertia,
                    "on all stream points (scikit-learn's own score: " +
                        std::to_string(sk["inertia"].get<double>()) + ")");
    report.AddValue("segd / scikit-learn", "speed ratio", "x", s.median / sks.median,
                    "medians of the same invocation");
    report.AddValue("segd / scikit-learn", "inertia ratio", "", segd_inertia / sk_inertia);
    report.AddValue("segd / scikit-learn", "max |centroid difference|", "", max_diff,
                    "scaled units");
    std::printf("%-44s %14.0f %14.3f\n", "scikit-learn partial_fit", sks.median, sk_inertia);
    std::printf("speed ratio segd/scikit-learn %.1f, inertia ratio %.9f, max centroid diff %.2e\n",
                s.median / sks.median, segd_inertia / sk_inertia, max_diff);
  } else {
    std::printf("(scikit-learn not found: bash tools/setup.sh --bench)\n");
  }
  return report.WriteJson(json) ? 0 : 1;
}
