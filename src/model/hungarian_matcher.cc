// The O(n^3) potentials formulation of the Hungarian method (Kuhn-Munkres with row/column
// potentials and augmenting paths over columns).
#include "segd/model/hungarian_matcher.h"

#include <cassert>
#include <limits>

namespace segd {

std::vector<int> MinimumCostMatching(const RowMatrix& cost) {
  const int n = static_cast<int>(cost.rows());
  assert(cost.cols() == n);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // 1-based arrays; p[j] = row matched to column j (0 = none).
  std::vector<double> u(n + 1, 0), v(n + 1, 0);
  std::vector<int> p(n + 1, 0), way(n + 1, 0);
  for (int i = 1; i <= n; ++i) {
    p[0] = i;
    int j0 = 0;
    std::vector<double> minv(n + 1, kInf);
    std::vector<bool> used(n + 1, false);
    do {
      used[j0] = true;
      const int i0 = p[j0];
      double delta = kInf;
      int j1 = 0;
      for (int j = 1; j <= n; ++j) {
        if (used[j]) continue;
        const double cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (int j = 0; j <= n; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int> match(n);
  for (int j = 1; j <= n; ++j) match[p[j] - 1] = j - 1;
  return match;
}

std::vector<int> MatchCentroids(const RowMatrix& old_centroids, const RowMatrix& new_centroids) {
  const Eigen::Index k = new_centroids.rows();
  assert(old_centroids.rows() == k);
  RowMatrix cost(k, k);
  for (Eigen::Index i = 0; i < k; ++i) {
    for (Eigen::Index j = 0; j < k; ++j) {
      cost(i, j) = (new_centroids.row(i) - old_centroids.row(j)).norm();
    }
  }
  return MinimumCostMatching(cost);
}

}  // namespace segd
