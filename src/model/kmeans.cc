// Lloyd passes use direct differences, one pass over the rows; k-means++ seeding uses
// |x|^2 - 2 x.c + |c|^2 with one matrix product per candidate set.
// Randomness comes from splitmix64 with our own sampling, so a seed gives the same model with any
// standard library.
#include "segd/model/kmeans.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>
#include <thread>
#include <vector>

#include "segd/common/split_mix_rng.h"
#include "segd/model/nearest_centroid.h"

namespace segd {
namespace {

using Rng = SplitMixRng;

// Squared distance of every row of x to every centroid: n x k.
RowMatrix Distances(const RowMatrix& x, const RowMatrix& c, const Eigen::VectorXd& x_norms) {
  RowMatrix d = -2.0 * (x * c.transpose());
  d.colwise() += x_norms;
  d.rowwise() += c.rowwise().squaredNorm().transpose();
  return d.cwiseMax(0.0);
}

// The nearest centroid of every row of x in one pass of direct differences (k and d are small:
// a k x d centroid matrix stays in registers/L1, and no n x k temporary is built; at 1M rows the
// GEMM form was memory-bound). fn(i, j, d2) gets row i's nearest centroid j and its squared
// distance.
template <typename Fn>
void ForEachNearest(const RowMatrix& x, const RowMatrix& c, Fn fn) {
  const Eigen::Index n = x.rows(), k = c.rows(), dim = x.cols();
  const double* cp = c.data();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double* row = x.data() + i * dim;
    double best = std::numeric_limits<double>::infinity();
    Eigen::Index best_j = 0;
    for (Eigen::Index j = 0; j < k; ++j) {
      const double* centre = cp + j * dim;
      double d2 = 0;
      for (Eigen::Index t = 0; t < dim; ++t) {
        const double diff = row[t] - centre[t];
        d2 += diff * diff;
      }
      if (d2 < best) {
        best = d2;
        best_j = j;
      }
    }
    fn(i, best_j, best);
  }
}

// Index of the first element with cumulative sum > target.
Eigen::Index SampleByWeight(const Eigen::VectorXd& cumulative, double target) {
  const double* begin = cumulative.data();
  const double* end = begin + cumulative.size();
  const double* it = std::upper_bound(begin, end, target);
  return std::min<Eigen::Index>(it - begin, cumulative.size() - 1);
}

RowMatrix KMeansPlusPlus(const RowMatrix& x, const Eigen::VectorXd& x_norms, int k, Rng& rng) {
  const Eigen::Index n = x.rows();
  const int trials = 2 + static_cast<int>(std::log(k));
  RowMatrix centers(k, x.cols());
  centers.row(0) = x.row(static_cast<Eigen::Index>(rng.Next() % uint64_t(n)));
  Eigen::VectorXd closest = Distances(x, centers.topRows(1), x_norms).col(0);
  double potential = closest.sum();
  for (int c = 1; c < k; ++c) {
    Eigen::VectorXd cumulative(n);
    std::partial_sum(closest.data(), closest.data() + n, cumulative.data());
    RowMatrix candidates(trials, x.cols());
    for (int t = 0; t < trials; ++t) {
      candidates.row(t) = x.row(SampleByWeight(cumulative, rng.Uniform() * potential));
    }
    const RowMatrix to_candidates = Distances(x, candidates, x_norms);  // n x trials
    int best = 0;
    double best_potential = std::numeric_limits<double>::infinity();
    Eigen::VectorXd best_closest;
    for (int t = 0; t < trials; ++t) {
      Eigen::VectorXd next = closest.cwiseMin(to_candidates.col(t));
      const double p = next.sum();
      if (p < best_potential) {
        best_potential = p;
        best = t;
        best_closest = std::move(next);
      }
    }
    centers.row(c) = candidates.row(best);
    closest = std::move(best_closest);
    potential = best_potential;
  }
  return centers;
}

struct Run {
  RowMatrix centers;
  double inertia;
  int iterations;
};

Run Lloyd(const RowMatrix& x, const Eigen::VectorXd& x_norms, RowMatrix centers,
          const KMeansOptions& o, double tol) {
  const Eigen::Index n = x.rows(), k = centers.rows();
  std::vector<int> labels(n, -1);
  Eigen::VectorXd best(n);
  int it = 0;
  for (; it < o.max_iter; ++it) {
    bool changed = false;
    RowMatrix sums = RowMatrix::Zero(k, x.cols());
    Eigen::VectorXd counts = Eigen::VectorXd::Zero(k);
    const Eigen::Index dim = x.cols();
    ForEachNearest(x, centers, [&](Eigen::Index i, Eigen::Index j, double d2) {
      best[i] = d2;
      changed |= labels[i] != int(j);
      labels[i] = int(j);
      const double* row = x.data() + i * dim;
      double* sum = sums.data() + j * dim;
      for (Eigen::Index t = 0; t < dim; ++t) sum[t] += row[t];
      counts[j] += 1;
    });
    RowMatrix next = centers;
    for (Eigen::Index c = 0; c < k; ++c) {
      if (counts[c] > 0) {
        next.row(c) = sums.row(c) / counts[c];
      } else {  // empty cluster: move it to the point worst served by its centre
        Eigen::Index far;
        best.maxCoeff(&far);
        next.row(c) = x.row(far);
        best[far] = 0;
      }
    }
    const double shift = (next - centers).squaredNorm();
    centers = std::move(next);
    if (!changed || shift <= tol) {
      ++it;
      break;
    }
  }
  return {centers, Inertia(centers, x), it};
}

}  // namespace

int KMeansModel::Predict(const double* point, double* distance2) const {
  return NearestCentroid(centroids, point, distance2);
}

std::vector<int> KMeansModel::Assign(const RowMatrix& x) const {
  std::vector<int> labels(x.rows());
  ForEachNearest(x, centroids,
                 [&](Eigen::Index i, Eigen::Index j, double) { labels[i] = static_cast<int>(j); });
  return labels;
}

double Inertia(const RowMatrix& centroids, const RowMatrix& x) {
  double sum = 0;
  ForEachNearest(x, centroids, [&](Eigen::Index, Eigen::Index, double d2) { sum += d2; });
  return sum;
}

KMeansModel FitKMeans(const RowMatrix& x, const KMeansOptions& o) {
  assert(o.k >= 1 && x.rows() >= o.k);
  const Eigen::VectorXd x_norms = x.rowwise().squaredNorm();
  const Eigen::RowVectorXd mean = x.colwise().mean();
  const double mean_variance =
      (x.rowwise() - mean).array().square().colwise().sum().mean() / double(x.rows());
  const double tol = o.tol * mean_variance;
  // Each restart has its own random stream (seed, restart), so restarts can run on several
  // threads and the result does not depend on how many.
  const int restarts = std::max(1, o.n_init);
  std::vector<Run> runs(restarts);
  auto restart = [&](int r) {
    Rng rng(o.seed * 0x9E3779B97F4A7C15ULL + uint64_t(r));
    runs[r] = Lloyd(x, x_norms, KMeansPlusPlus(x, x_norms, o.k, rng), o, tol);
  };
  const int threads =
      x.rows() * restarts < 500'000
          ? 1
          : std::min<int>(restarts, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  std::atomic<int> next{0};
  for (int t = 1; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int r; (r = next.fetch_add(1)) < restarts;) restart(r);
    });
  }
  for (int r; (r = next.fetch_add(1)) < restarts;) restart(r);
  for (std::thread& w : workers) w.join();
  KMeansModel best;
  best.inertia = std::numeric_limits<double>::infinity();
  for (Run& run : runs) {  // ties: the lowest restart wins
    if (run.inertia < best.inertia) {
      best.centroids = std::move(run.centers);
      best.inertia = run.inertia;
      best.iterations = run.iterations;
    }
  }
  return best;
}

double SampledSilhouette(const RowMatrix& x, const std::vector<int>& labels, int k, int sample_size,
                         uint64_t seed) {
  const Eigen::Index n = x.rows();
  std::vector<Eigen::Index> rows(n);
  for (Eigen::Index i = 0; i < n; ++i) rows[i] = i;
  if (sample_size < n) {  // partial Fisher-Yates with our own generator
    SplitMixRng rng(seed);
    for (Eigen::Index i = 0; i < sample_size; ++i) {
      std::swap(rows[i], rows[i + Eigen::Index(rng.Next() % uint64_t(n - i))]);
    }
    rows.resize(sample_size);
  }
  const Eigen::Index m = static_cast<Eigen::Index>(rows.size());
  std::vector<double> sum(k);
  std::vector<int> count(k, 0);
  for (Eigen::Index i = 0; i < m; ++i) ++count[labels[rows[i]]];
  if (std::count_if(count.begin(), count.end(), [](int c) { return c > 0; }) < 2) return 0.0;
  double total = 0;
  for (Eigen::Index i = 0; i < m; ++i) {
    std::fill(sum.begin(), sum.end(), 0.0);
    for (Eigen::Index j = 0; j < m; ++j) {
      sum[labels[rows[j]]] += (x.row(rows[i]) - x.row(rows[j])).norm();
    }
    const int own = labels[rows[i]];
    if (count[own] < 2) continue;  // singleton: silhouette 0
    const double a = sum[own] / (count[own] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (int c = 0; c < k; ++c) {
      if (c != own && count[c] > 0) b = std::min(b, sum[c] / count[c]);
    }
    total += (b - a) / std::max(a, b);
  }
  return total / double(m);
}

KSelection ChooseK(const RowMatrix& x, int k_min, int k_max, int sample_size,
                   const KMeansOptions& options) {
  assert(k_min >= 2 && k_max >= k_min);
  KSelection best;
  double best_score = -2;
  for (int k = k_min; k <= k_max; ++k) {
    KMeansOptions o = options;
    o.k = k;
    KMeansModel m = FitKMeans(x, o);
    const double score = SampledSilhouette(x, m.Assign(x), k, sample_size, options.seed);
    best.silhouettes.push_back(score);
    if (score > best_score) {
      best_score = score;
      best.k = k;
      best.model = std::move(m);
    }
  }
  return best;
}

}  // namespace segd
