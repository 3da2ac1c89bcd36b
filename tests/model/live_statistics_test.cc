#include "segd/model/live_statistics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "segd/model/kmeans.h"

namespace segd {
namespace {

constexpr int64_t kDay = 86'400'000;

RowMatrix Blobs(std::mt19937_64& rng, int n) {
  std::normal_distribution<double> noise(0.0, 0.6);
  const double centers[4][2] = {{0, 0}, {4, 0}, {0, 4}, {4, 4}};
  RowMatrix x(n, 2);
  for (int i = 0; i < n; ++i) {
    const int c = static_cast<int>(rng() % 4);
    x(i, 0) = centers[c][0] + noise(rng);
    x(i, 1) = centers[c][1] + noise(rng);
  }
  return x;
}

std::vector<const LiveContribution*> Pointers(const std::vector<LiveContribution>& v) {
  std::vector<const LiveContribution*> out;
  for (const LiveContribution& c : v) out.push_back(&c);
  return out;
}

struct Fixture {
  std::mt19937_64 rng{7};
  RowMatrix population = Blobs(rng, 2000);
  KMeansModel baseline = FitKMeans(population, {.k = 4, .n_init = 2, .seed = 3});
  std::vector<double> sizes = [this] {
    std::vector<double> s(4, 0.0);
    for (int l : baseline.Assign(population)) s[l] += 1;
    return s;
  }();

  // Feeds `batches` batches of 100 points, each point from one of 4 partitions, to `live` and
  // tracks the partitions' contributions as LiveSegmentation does.
  LiveStatistics Feed(MiniBatchKMeans* live, int batches) {
    LiveStatistics stats(1, 4, 2, live->options().half_life_days);
    std::vector<int> labels;
    for (int b = 0; b < batches; ++b) {
      const RowMatrix x = Blobs(rng, 100);
      std::vector<int> slots;
      for (int i = 0; i < 100; ++i) slots.push_back(stats.Slot("orders", int32_t(rng() % 4)));
      live->Update(x, (b + 1) * kDay + int64_t(rng() % 1000) * 1000, &labels);
      stats.DecayTo(live->time_ms());
      for (int i = 0; i < 100; ++i) stats.Add(slots[i], labels[i], x.row(i).data());
    }
    return stats;
  }
};

double MaxDiff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::abs(a[i] - b[i]) / std::max(1.0, b[i]));
  return m;
}

TEST(LiveStatisticsTest, MergeEqualsOneMiniBatchModelFedEveryPoint) {
  Fixture f;
  const MiniBatchOptions options{.half_life_days = 20};
  MiniBatchKMeans live(f.baseline.centroids, f.sizes, options);
  const LiveStatistics stats = f.Feed(&live, 60);
  ASSERT_EQ(stats.contributions().size(), 4u);
  const auto all = Pointers(stats.contributions());
  const LiveMerge m = MergeLiveContributions(1, f.baseline.centroids, f.sizes, options, all);
  EXPECT_EQ(m.time_ms, live.time_ms());
  EXPECT_LT((m.centroids - live.centroids()).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_LT(MaxDiff(m.counts, live.counts()), 1e-9);
}

TEST(LiveStatisticsTest, FrozenDimensionsKeepTheBaselineValues) {
  Fixture f;
  const MiniBatchOptions options{.half_life_days = 10, .frozen_dims = {0, 1}};
  MiniBatchKMeans live(f.baseline.centroids, f.sizes, options);
  const LiveStatistics stats = f.Feed(&live, 30);
  const LiveMerge m = MergeLiveContributions(1, f.baseline.centroids, f.sizes, options,
                                             Pointers(stats.contributions()));
  EXPECT_EQ(m.centroids.col(1), f.baseline.centroids.col(1));
  EXPECT_LT((m.centroids - live.centroids()).cwiseAbs().maxCoeff(), 1e-9);
}

TEST(LiveStatisticsTest, PriorAndContributionsDecayToTheLatestTime) {
  RowMatrix centroids(2, 1);
  centroids << 0.0, 10.0;
  LiveContribution a{.baseline_version = 3,
                     .partition = {"orders", 0},
                     .since_ms = kDay,
                     .time_ms = kDay,
                     .weights = {2, 0},
                     .sums = RowMatrix::Zero(2, 1)};
  a.sums(0, 0) = 2 * 4.0;  // two points at 4
  LiveContribution b{.baseline_version = 3,
                     .partition = {"orders", 1},
                     .since_ms = 21 * kDay,
                     .time_ms = 31 * kDay,  // one half-life after a and the prior's start
                     .weights = {0, 4},
                     .sums = RowMatrix::Zero(2, 1)};
  b.sums(1, 0) = 4 * 12.0;
  const std::vector<const LiveContribution*> both = {&a, &b};
  const LiveMerge m = MergeLiveContributions(3, centroids, {10, 10}, {.half_life_days = 30}, both);
  EXPECT_EQ(m.time_ms, 31 * kDay);
  EXPECT_DOUBLE_EQ(m.counts[0], 10 * 0.5 + 2 * 0.5);
  EXPECT_DOUBLE_EQ(m.counts[1], 10 * 0.5 + 4);
  EXPECT_DOUBLE_EQ(m.centroids(0, 0), (0.0 * 5 + 8.0 * 0.5) / 6);
  EXPECT_DOUBLE_EQ(m.centroids(1, 0), (10.0 * 5 + 48.0) / 9);
  // Without forgetting nothing decays.
  const LiveMerge flat = MergeLiveContributions(3, centroids, {10, 10}, {}, both);
  EXPECT_DOUBLE_EQ(flat.counts[0], 12);
  EXPECT_DOUBLE_EQ(flat.centroids(1, 0), (100.0 + 48.0) / 14);
}

TEST(LiveStatisticsTest, MergeDoesNotDependOnOrder) {
  Fixture f;
  const MiniBatchOptions options{.half_life_days = 20};
  MiniBatchKMeans live(f.baseline.centroids, f.sizes, options);
  const LiveStatistics stats = f.Feed(&live, 20);
  auto all = Pointers(stats.contributions());
  const LiveMerge m = MergeLiveContributions(1, f.baseline.centroids, f.sizes, options, all);
  std::reverse(all.begin(), all.end());
  const LiveMerge r = MergeLiveContributions(1, f.baseline.centroids, f.sizes, options, all);
  EXPECT_EQ(r.centroids, m.centroids);  // bit for bit
  EXPECT_EQ(r.counts, m.counts);
}

TEST(LiveStatisticsTest, ContributionsOfAnotherBaselineAreIgnored) {
  Fixture f;
  MiniBatchKMeans live(f.baseline.centroids, f.sizes, {});
  const LiveStatistics stats = f.Feed(&live, 10);
  LiveContribution other = stats.contributions()[0];
  other.baseline_version = 2;
  other.partition.partition = 9;
  other.weights.assign(4, 1000.0);
  auto all = Pointers(stats.contributions());
  const LiveMerge m = MergeLiveContributions(1, f.baseline.centroids, f.sizes, {}, all);
  all.push_back(&other);
  const LiveMerge with = MergeLiveContributions(1, f.baseline.centroids, f.sizes, {}, all);
  EXPECT_EQ(with.centroids, m.centroids);
  EXPECT_EQ(with.counts, m.counts);
  // Nothing at all: the baseline itself.
  const LiveMerge none = MergeLiveContributions(1, f.baseline.centroids, f.sizes, {}, {});
  EXPECT_EQ(none.centroids, f.baseline.centroids);
  EXPECT_EQ(none.counts, f.sizes);
  EXPECT_EQ(none.time_ms, 0);
}

TEST(LiveStatisticsTest, EncodedStatisticsDecodeEqual) {
  Fixture f;
  MiniBatchKMeans live(f.baseline.centroids, f.sizes, {.half_life_days = 5});
  const LiveStatistics stats = f.Feed(&live, 10);
  std::string bytes;
  stats.EncodeTo(&bytes);
  LiveStatistics back(1, 4, 2, 5);
  std::string_view in = bytes;
  ASSERT_TRUE(back.DecodeFrom(&in).ok());
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(back.contributions(), stats.contributions());
  EXPECT_EQ(back.time_ms(), stats.time_ms());
  std::string_view cut = std::string_view(bytes).substr(0, bytes.size() - 3);
  EXPECT_EQ(LiveStatistics(1, 4, 2, 5).DecodeFrom(&cut).code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace segd
