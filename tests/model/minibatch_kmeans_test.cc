#include "segd/model/minibatch_kmeans.h"

#include <gtest/gtest.h>

#include <random>

#include "segd/model/contingency_table.h"
#include "segd/model/kmeans.h"

namespace segd {
namespace {

constexpr int64_t kDay = 86'400'000;

// Points around four centres; `shift` moves the first blob by that much along x.
RowMatrix Blobs(std::mt19937_64& rng, int n, double shift = 0.0) {
  std::normal_distribution<double> noise(0.0, 0.6);
  const double centers[4][2] = {{0, 0}, {4, 0}, {0, 4}, {4, 4}};
  RowMatrix x(n, 2);
  for (int i = 0; i < n; ++i) {
    const int c = static_cast<int>(rng() % 4);
    x(i, 0) = centers[c][0] + noise(rng) + (c == 0 ? shift : 0.0);
    x(i, 1) = centers[c][1] + noise(rng);
  }
  return x;
}

struct Fixture {
  std::mt19937_64 rng{11};
  RowMatrix population = Blobs(rng, 4000);
  KMeansModel baseline = FitKMeans(population, {.k = 4, .n_init = 3, .seed = 2});
  MiniBatchKMeans Live(MiniBatchOptions o = {}) {
    std::vector<double> sizes(4, 0.0);
    for (int l : baseline.Assign(population)) sizes[l] += 1;
    return MiniBatchKMeans(baseline.centroids, sizes, o);
  }
  double AriVsBaseline(const MiniBatchKMeans& live, const RowMatrix& x) {
    return AdjustedRandIndex(
        ContingencyTable::FromLabels(baseline.Assign(x), live.Assign(x), 4, 4));
  }
};

TEST(MiniBatchKMeansTest, StationaryStreamKeepsAriAboveNinetyFivePercent) {
  Fixture f;
  MiniBatchKMeans live = f.Live({.half_life_days = 30});
  for (int b = 0; b < 200; ++b) live.Update(Blobs(f.rng, 100), (b + 1) * kDay);
  const RowMatrix now = Blobs(f.rng, 4000);
  EXPECT_GT(f.AriVsBaseline(live, now), 0.95);
}

TEST(MiniBatchKMeansTest, ShiftedBehaviourPullsAriBelowPointEight) {
  Fixture f;
  MiniBatchKMeans live = f.Live({.half_life_days = 30});
  // Blob 0 moves halfway to blob 1: the live model follows, the frozen baseline does not.
  for (int b = 0; b < 200; ++b) live.Update(Blobs(f.rng, 100, 2.6), (b + 1) * kDay);
  const RowMatrix now = Blobs(f.rng, 4000, 2.6);
  EXPECT_LT(f.AriVsBaseline(live, now), 0.8);
}

TEST(MiniBatchKMeansTest, ForgettingFollowsChangeFasterThanFullHistory) {
  Fixture f;
  const double origin[2] = {0.0, 0.0};
  const int c0 = f.baseline.Predict(origin);  // the centre of the blob that will move
  MiniBatchKMeans forgetful = f.Live({.half_life_days = 5});
  MiniBatchKMeans stubborn = f.Live({});
  for (int b = 0; b < 60; ++b) {
    const RowMatrix batch = Blobs(f.rng, 100, 2.0);
    forgetful.Update(batch, (b + 1) * kDay);
    stubborn.Update(batch, (b + 1) * kDay);
  }
  // Blob 0 now sits at x = 2: the forgetful centre got much closer to it.
  EXPECT_GT(forgetful.centroids()(c0, 0), 1.5);
  EXPECT_LT(stubborn.centroids()(c0, 0), forgetful.centroids()(c0, 0) - 0.5);
  EXPECT_LT(forgetful.counts()[c0], stubborn.counts()[c0]);
}

TEST(MiniBatchKMeansTest, DeadCentreIsReseededAndCounted) {
  RowMatrix centres(2, 1);
  centres << 0.0, 1000.0;  // the second centre never gets a point
  MiniBatchKMeans live(centres, {10, 10}, {.dead_after_updates = 3});
  RowMatrix batch(3, 1);
  batch << -1.0, 0.5, 5.0;
  for (int i = 0; i < 3; ++i) live.Update(batch, kDay * (i + 1));
  EXPECT_EQ(live.reseeds(), 1u);
  EXPECT_DOUBLE_EQ(live.centroids()(1, 0), 5.0);  // the point worst served
}

TEST(MiniBatchKMeansTest, SameInputSameStateAndEncodingRoundTripsBitForBit) {
  Fixture f;
  MiniBatchKMeans a = f.Live({.half_life_days = 7, .dead_after_updates = 50});
  MiniBatchKMeans b = f.Live({.half_life_days = 7, .dead_after_updates = 50});
  std::mt19937_64 r1(5), r2(5);
  for (int i = 0; i < 20; ++i) {
    a.Update(Blobs(r1, 64), i * kDay);
    b.Update(Blobs(r2, 64), i * kDay);
  }
  EXPECT_TRUE(a == b);
  auto back = MiniBatchKMeans::Decode(a.Encode());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == a);
  EXPECT_EQ(back->Encode(), a.Encode());
  std::string truncated = a.Encode();
  truncated.pop_back();
  EXPECT_EQ(MiniBatchKMeans::Decode(truncated).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace segd

namespace segd {
namespace {

TEST(MiniBatchKMeansTest, FrozenDimensionsNeverMove) {
  RowMatrix centres(1, 2);
  centres << 5.0, 5.0;
  MiniBatchKMeans live(centres, {1}, {.frozen_dims = {1, 0}});
  RowMatrix batch(2, 2);
  batch << 0.0, 9.0, 0.0, 9.0;
  live.Update(batch, kDay);
  EXPECT_EQ(live.centroids()(0, 0), 5.0);  // frozen: still the baseline's value
  EXPECT_GT(live.centroids()(0, 1), 7.0);  // learned
  auto back = MiniBatchKMeans::Decode(live.Encode());
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(*back == live);
}

}  // namespace
}  // namespace segd
