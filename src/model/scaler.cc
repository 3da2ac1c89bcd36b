#include "segd/model/scaler.h"

#include <cassert>
#include <cmath>

namespace segd {

Scaler Scaler::Fit(const RowMatrix& x, std::span<const double> weights) {
  assert(static_cast<Eigen::Index>(weights.size()) == x.cols());
  const Eigen::Index n = x.rows(), d = x.cols();
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(d), std = Eigen::VectorXd::Ones(d);
  if (n > 0) {
    mean = x.colwise().mean().transpose();
    for (Eigen::Index j = 0; j < d; ++j) {
      const double var = (x.col(j).array() - mean[j]).square().sum() / double(n);
      std[j] = var > 1e-24 ? std::sqrt(var) : 1.0;
    }
  }
  return Scaler(std::move(mean), std::move(std),
                Eigen::Map<const Eigen::VectorXd>(weights.data(), d));
}

void Scaler::TransformInPlace(RowMatrix* x) const {
  for (Eigen::Index i = 0; i < x->rows(); ++i) TransformRow(x->row(i).data());
}

void Scaler::TransformRow(double* row) const {
  for (Eigen::Index j = 0; j < mean_.size(); ++j)
    row[j] = (row[j] - mean_[j]) / std_[j] * weight_[j];
}

void Scaler::InverseRow(double* row) const {
  for (Eigen::Index j = 0; j < mean_.size(); ++j) {
    row[j] = (weight_[j] != 0 ? row[j] / weight_[j] : 0.0) * std_[j] + mean_[j];
  }
}

}  // namespace segd
