// Standardisation fitted with a model and frozen with it: z = (x - mean) / std * weight.
// Value type; safe for concurrent readers once built.
#pragma once

#include <Eigen/Dense>
#include <span>
#include <vector>

namespace segd {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class Scaler {
 public:
  Scaler() = default;
  Scaler(Eigen::VectorXd mean, Eigen::VectorXd std, Eigen::VectorXd weight)
      : mean_(std::move(mean)), std_(std::move(std)), weight_(std::move(weight)) {}

  // Fits mean and (population) standard deviation per column; a constant column gets std 1.
  static Scaler Fit(const RowMatrix& x, std::span<const double> weights);

  void TransformInPlace(RowMatrix* x) const;
  void TransformRow(double* row) const;
  // Back to original (transformed-feature) units: the inverse of TransformRow.
  void InverseRow(double* row) const;

  const Eigen::VectorXd& mean() const { return mean_; }
  const Eigen::VectorXd& std() const { return std_; }
  const Eigen::VectorXd& weight() const { return weight_; }

 private:
  Eigen::VectorXd mean_, std_, weight_;
};

}  // namespace segd
