// Nearest-centroid lookup shared by every model. Pure function; thread-safe.
#pragma once

#include "segd/model/scaler.h"

namespace segd {

// Index of the row of `centroids` nearest to `point` (centroids.cols() values); *distance2
// (optional) gets the squared Euclidean distance. Ties go to the lowest index.
inline int NearestCentroid(const RowMatrix& centroids, const double* point,
                           double* distance2 = nullptr) {
  const Eigen::Map<const Eigen::RowVectorXd> p(point, centroids.cols());
  Eigen::Index best;
  const double d = (centroids.rowwise() - p).rowwise().squaredNorm().minCoeff(&best);
  if (distance2 != nullptr) *distance2 = d;
  return static_cast<int>(best);
}

}  // namespace segd
