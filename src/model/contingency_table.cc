// Pair counts are integers up to n^2/2 (5e15 for n = 1e8): exact in uint64 and in long double's
// 64-bit mantissa, so the index is computed from exact sums and rounded only in the last steps.
#include "segd/model/contingency_table.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace segd {
namespace {

// n choose 2, exactly.
uint64_t Pairs(uint64_t n) {
  return n < 2 ? 0 : (n % 2 == 0 ? (n / 2) * (n - 1) : n * ((n - 1) / 2));
}

}  // namespace

ContingencyTable ContingencyTable::FromLabels(std::span<const int> a, std::span<const int> b,
                                              int rows, int cols) {
  assert(a.size() == b.size());
  ContingencyTable t(rows, cols);
  for (size_t i = 0; i < a.size(); ++i) t.Add(a[i], b[i]);
  return t;
}

void ContingencyTable::Merge(const ContingencyTable& other) {
  assert(other.rows_ == rows_ && other.cols_ == cols_);
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

uint64_t ContingencyTable::total() const {
  uint64_t n = 0;
  for (uint64_t c : counts_) n += c;
  return n;
}

std::vector<uint64_t> ContingencyTable::RowSums() const {
  std::vector<uint64_t> s(rows_);
  for (int i = 0; i < rows_; ++i)
    for (int j = 0; j < cols_; ++j) s[i] += at(i, j);
  return s;
}

std::vector<uint64_t> ContingencyTable::ColSums() const {
  std::vector<uint64_t> s(cols_);
  for (int i = 0; i < rows_; ++i)
    for (int j = 0; j < cols_; ++j) s[j] += at(i, j);
  return s;
}

double AdjustedRandIndex(const ContingencyTable& t) {
  const uint64_t n = t.total();
  uint64_t sum_cells = 0, sum_rows = 0, sum_cols = 0;
  for (int i = 0; i < t.rows(); ++i)
    for (int j = 0; j < t.cols(); ++j) sum_cells += Pairs(t.at(i, j));
  for (uint64_t r : t.RowSums()) sum_rows += Pairs(r);
  for (uint64_t c : t.ColSums()) sum_cols += Pairs(c);
  const uint64_t total_pairs = Pairs(n);
  if (total_pairs == 0) return 1.0;
  // ARI = (index - expected) / (max - expected), multiplied through by total_pairs to stay in
  // integers as long as possible:
  //   (sum_cells * P - sum_rows * sum_cols) / ((sum_rows + sum_cols) / 2 * P - sum_rows * sum_cols)
  const long double p = static_cast<long double>(total_pairs);
  const long double rc = static_cast<long double>(sum_rows) * static_cast<long double>(sum_cols);
  const long double numerator = static_cast<long double>(sum_cells) * p - rc;
  const long double denominator =
      (static_cast<long double>(sum_rows) + static_cast<long double>(sum_cols)) / 2 * p - rc;
  if (denominator == 0) return 1.0;
  return static_cast<double>(numerator / denominator);
}

double PopulationStabilityIndex(std::span<const double> a, std::span<const double> b,
                                double epsilon) {
  assert(a.size() == b.size());
  double psi = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double x = std::max(a[i], epsilon), y = std::max(b[i], epsilon);
    psi += (y - x) * std::log(y / x);
  }
  return psi;
}

}  // namespace segd
