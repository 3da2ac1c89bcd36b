// Batch k-means for baselines: k-means++ seeding (greedy, as scikit-learn), Lloyd iterations,
// several restarts keeping the lowest inertia. Deterministic for a given seed. Pure functions;
// a fitted KMeansModel is safe for concurrent readers.
#pragma once

#include <cstdint>
#include <vector>

#include "segd/model/scaler.h"

namespace segd {

struct KMeansOptions {
  int k = 4;
  int n_init = 10;     // restarts; the best inertia wins
  int max_iter = 300;  // Lloyd iterations per restart
  double tol = 1e-4;   // relative to the mean feature variance, as scikit-learn
  uint64_t seed = 0;
};

struct KMeansModel {
  RowMatrix centroids;  // k x d, in scaled space
  double inertia = 0;   // sum of squared distances to the nearest centroid
  int iterations = 0;   // of the winning restart

  // Nearest centroid of one point; *distance2 (optional) gets its squared distance.
  int Predict(const double* point, double* distance2 = nullptr) const;
  // Nearest centroid of every row of `x`.
  std::vector<int> Assign(const RowMatrix& x) const;
};

// Fits k clusters to the rows of `x` (already scaled). Requires x.rows() >= k >= 1.
KMeansModel FitKMeans(const RowMatrix& x, const KMeansOptions& options);

// Sum of squared distances of the rows of `x` to their nearest centroid.
double Inertia(const RowMatrix& centroids, const RowMatrix& x);

// Mean silhouette coefficient of `labels` over a deterministic sample of at most `sample_size`
// rows (Euclidean distances, as scikit-learn's silhouette_score). Rows in singleton clusters
// score 0. Needs at least 2 clusters among the sampled rows; else returns 0.
double SampledSilhouette(const RowMatrix& x, const std::vector<int>& labels, int k, int sample_size,
                         uint64_t seed);

struct KSelection {
  KMeansModel model;  // the fit with the chosen k
  int k = 0;
  std::vector<double> silhouettes;  // per k in [k_min, k_max]
};

// Fits every k in [k_min, k_max] (k_min >= 2) and keeps the one with the highest sampled
// silhouette; ties go to the smaller k.
KSelection ChooseK(const RowMatrix& x, int k_min, int k_max, int sample_size,
                   const KMeansOptions& options);

}  // namespace segd
