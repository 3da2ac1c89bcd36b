// ARI vs scikit-learn: segd's ContingencyTable::FromLabels + AdjustedRandIndex and
// scikit-learn's adjusted_rand_score (bench/ari/sklearn_ari.py, Debian python3-sklearn) on the
// same random labelings: n labels with k segments, the second labeling the first with 30% of
// the labels redrawn and the segment ids permuted. Time ratio and |difference| of the values.
//
//   build-bench/bench/ari/segd-bench-ari --labels 1000000,10000000 --k 4,7,10 --runs 5
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

#include "common/bench_report.h"
#include "common/command_output.h"
#include "segd/model/contingency_table.h"

namespace {

using namespace segd;
using namespace segd::bench;
using Clock = std::chrono::steady_clock;

struct Labelings {
  std::vector<int> a, b;
};

Labelings RandomLabelings(size_t n, int k, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int> permutation(k);
  std::iota(permutation.begin(), permutation.end(), 0);
  std::shuffle(permutation.begin(), permutation.end(), rng);
  Labelings l{std::vector<int>(n), std::vector<int>(n)};
  for (size_t i = 0; i < n; ++i) {
    l.a[i] = static_cast<int>(rng() % k);
    const int moved = rng() % 10 < 3 ? static_cast<int>(rng() % k) : l.a[i];
    l.b[i] = permutation[moved];
  }
  return l;
}

void WriteInt32(const std::string& path, const std::vector<int>& v) {
  static_assert(sizeof(int) == 4);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(int)));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"segd ARI vs scikit-learn adjusted_rand_score"};
  std::vector<size_t> sizes = {1'000'000, 10'000'000};
  std::vector<int> ks = {4, 7, 10};
  int runs = 5;
  std::string dir = "/tmp/segd-bench-ari", json;
  app.add_option("--labels", sizes, "labeling sizes, comma-separated")->delimiter(',');
  app.add_option("--k", ks, "segments per labeling, comma-separated")->delimiter(',');
  app.add_option("--runs", runs);
  app.add_option("--dir", dir);
  app.add_option("--json", json, "write the results to this file");
  CLI11_PARSE(app, argc, argv);

  std::filesystem::create_directories(dir);
  BenchReport report("ari");
  std::printf("%-22s %12s %12s %10s %22s %10s\n", "labels", "segd s", "sklearn s", "ratio",
              "ARI (segd)", "|diff|");
  for (size_t n : sizes) {
    for (int k : ks) {
      const Labelings l = RandomLabelings(n, k, n + k);
      std::vector<double> seconds;
      double value = 0;
      for (int r = 0; r < runs; ++r) {
        const auto start = Clock::now();
        value = AdjustedRandIndex(ContingencyTable::FromLabels(l.a, l.b, k, k));
        seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
      }
      WriteInt32(dir + "/a.i32", l.a);
      WriteInt32(dir + "/b.i32", l.b);
      const CommandOutput out = RunCommand("/usr/bin/python3 " + std::string(SEGD_SOURCE_DIR) +
                                           "/bench/ari/sklearn_ari.py " + dir + "/a.i32 " + dir +
                                           "/b.i32 " + std::to_string(runs) + " 2>/dev/null");
      const auto sk = nlohmann::json::parse(out.out, nullptr, false);
      const bool have_sk = sk.is_object();
      const auto segd_s = RunSummary::Of(seconds);
      const double sk_median =
          have_sk ? RunSummary::Of(sk["seconds"].get<std::vector<double>>()).median : NAN;
      const double sk_value = have_sk ? sk["value"].get<double>() : NAN;
      const double diff = std::abs(value - sk_value);
      char label[64];
      std::snprintf(label, sizeof(label), "n=%zu, k=%d", n, k);
      std::printf("%-22s %12.6f %12.6f %10.1f %22.17f %10.2e\n", label, segd_s.median, sk_median,
                  sk_median / segd_s.median, value, diff);
      report.Add(label, "segd time", "s", seconds, "FromLabels + AdjustedRandIndex, one thread");
      if (have_sk) {
        report.Add(label, "scikit-learn time", "s", sk["seconds"].get<std::vector<double>>(),
                   "adjusted_rand_score, scikit-learn " + sk["version"].get<std::string>());
      }
      report.AddValue(label, "speed ratio (scikit-learn / segd)", "x", sk_median / segd_s.median,
                      "medians of the same invocation");
      report.AddValue(label, "ARI", "", value);
      report.AddValue(label, "|ARI segd - ARI scikit-learn|", "", diff, "target < 1e-12");
    }
  }
  std::filesystem::remove_all(dir);
  return report.WriteJson(json) ? 0 : 1;
}
