#include "segd/model/kmeans.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "segd/model/contingency_table.h"

namespace segd {
namespace {

TEST(KMeansTest, RecoversWellSeparatedPlantedBlobsExactly) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0.0, 0.3);
  const double centers[4][2] = {{0, 0}, {10, 0}, {0, 10}, {10, 10}};
  RowMatrix x(2000, 2);
  std::vector<int> truth(2000);
  for (int i = 0; i < 2000; ++i) {
    truth[i] = i % 4;
    x(i, 0) = centers[truth[i]][0] + noise(rng);
    x(i, 1) = centers[truth[i]][1] + noise(rng);
  }
  const KMeansModel m = FitKMeans(x, {.k = 4, .n_init = 3, .seed = 1});
  const std::vector<int> labels = m.Assign(x);
  EXPECT_EQ(AdjustedRandIndex(ContingencyTable::FromLabels(truth, labels, 4, 4)), 1.0);
  for (int c = 0; c < 4; ++c) {  // every true centre has a fitted centroid next to it
    double nearest = 1e9;
    for (int j = 0; j < 4; ++j) {
      nearest = std::min(nearest, std::hypot(m.centroids(j, 0) - centers[c][0],
                                             m.centroids(j, 1) - centers[c][1]));
    }
    EXPECT_LT(nearest, 0.1);
  }
}

TEST(KMeansTest, SameSeedSameModel) {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(0, 1);
  RowMatrix x(500, 3);
  for (int i = 0; i < x.size(); ++i) x.data()[i] = u(rng);
  const KMeansModel a = FitKMeans(x, {.k = 5, .seed = 42});
  const KMeansModel b = FitKMeans(x, {.k = 5, .seed = 42});
  EXPECT_EQ(a.centroids, b.centroids);
  EXPECT_EQ(a.inertia, b.inertia);
  EXPECT_NEAR(a.inertia, Inertia(a.centroids, x), 1e-9 * a.inertia);
}

// tests/fixtures/model/rfm_kmeans.txt comes from tools/model/make_kmeans_fixture.py
// (scikit-learn 1.2 StandardScaler + KMeans(k=4, n_init=10, random_state=0)).
TEST(KMeansTest, InertiaOnRealisticRfmDataIsWithinOnePercentOfScikitLearn) {
  std::ifstream in(std::string(SEGD_SOURCE_DIR) + "/tests/fixtures/model/rfm_kmeans.txt");
  ASSERT_TRUE(in);
  int n, k, n_init;
  double sklearn_inertia;
  in >> n >> k >> n_init >> sklearn_inertia;
  RowMatrix x(n, 3);
  for (int i = 0; i < n * 3; ++i) in >> x.data()[i];
  ASSERT_TRUE(in);
  const std::vector<double> weights = {1, 1, 1};
  Scaler::Fit(x, weights).TransformInPlace(&x);
  const KMeansModel m = FitKMeans(x, {.k = k, .n_init = n_init, .seed = 0});
  RecordProperty("segd_inertia", std::to_string(m.inertia));
  std::printf("segd inertia %.6f, scikit-learn %.6f, ratio %.6f\n", m.inertia, sklearn_inertia,
              m.inertia / sklearn_inertia);
  EXPECT_LE(m.inertia, sklearn_inertia * 1.01) << "sklearn " << sklearn_inertia;
  EXPECT_GE(m.inertia, sklearn_inertia * 0.95) << "suspiciously better than sklearn";
}

TEST(KMeansTest, EmptyClusterIsRelocatedNotLost) {
  // Five distinct points, k = 5: every centroid must end on its own point.
  RowMatrix x(5, 1);
  x << 0, 1, 2, 3, 100;
  const KMeansModel m = FitKMeans(x, {.k = 5, .n_init = 2, .seed = 3});
  EXPECT_NEAR(m.inertia, 0.0, 1e-12);
}

TEST(KMeansTest, ChooseKFindsThePlantedNumberOfBlobs) {
  std::mt19937_64 rng(8);
  std::normal_distribution<double> noise(0.0, 0.5);
  const double centers[3][2] = {{0, 0}, {8, 0}, {4, 7}};
  RowMatrix x(900, 2);
  for (int i = 0; i < 900; ++i) {
    x(i, 0) = centers[i % 3][0] + noise(rng);
    x(i, 1) = centers[i % 3][1] + noise(rng);
  }
  const KSelection s = ChooseK(x, 2, 6, 400, {.n_init = 3, .seed = 1});
  EXPECT_EQ(s.k, 3);
  ASSERT_EQ(s.silhouettes.size(), 5u);
  EXPECT_GT(s.silhouettes[1], 0.7);  // k = 3: well separated
  EXPECT_EQ(s.model.centroids.rows(), 3);
}

TEST(KMeansTest, SilhouetteOfTwoTightFarClustersIsNearOne) {
  RowMatrix x(4, 1);
  x << 0, 0.1, 100, 100.1;
  // a = 0.1, b ~ 100: (b - a) / b ~ 0.999
  EXPECT_NEAR(SampledSilhouette(x, {0, 0, 1, 1}, 2, 10, 0), 0.999, 1e-3);
  EXPECT_EQ(SampledSilhouette(x, {0, 0, 0, 0}, 1, 10, 0), 0.0);
}

TEST(ScalerTest, StandardisesAndWeightsAndInverts) {
  RowMatrix x(4, 2);
  x << 1, 10, 2, 10, 3, 10, 4, 10;
  const std::vector<double> w = {2.0, 1.0};
  const Scaler s = Scaler::Fit(x, w);
  EXPECT_DOUBLE_EQ(s.mean()[0], 2.5);
  EXPECT_DOUBLE_EQ(s.std()[0], std::sqrt(1.25));
  EXPECT_DOUBLE_EQ(s.std()[1], 1.0);  // constant column
  RowMatrix z = x;
  s.TransformInPlace(&z);
  EXPECT_NEAR(z(0, 0), (1 - 2.5) / std::sqrt(1.25) * 2.0, 1e-12);
  EXPECT_DOUBLE_EQ(z(0, 1), 0.0);
  double row[2] = {z(3, 0), z(3, 1)};
  s.InverseRow(row);
  EXPECT_NEAR(row[0], 4.0, 1e-12);
  EXPECT_NEAR(row[1], 10.0, 1e-12);
}

}  // namespace
}  // namespace segd
