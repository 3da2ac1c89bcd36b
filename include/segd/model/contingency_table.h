// Counts of (label under model A, label under model B) pairs over a population. Value type; not
// synchronised. Tables of the same shape from different instances add up (scale-out plan).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace segd {

class ContingencyTable {
 public:
  ContingencyTable(int rows, int cols) : rows_(rows), cols_(cols), counts_(size_t(rows) * cols) {}

  // Builds the table of two labelings of the same items (labels in [0, rows) and [0, cols)).
  static ContingencyTable FromLabels(std::span<const int> a, std::span<const int> b, int rows,
                                     int cols);

  void Add(int a, int b) { ++counts_[size_t(a) * cols_ + b]; }
  void Add(int a, int b, uint64_t n) { counts_[size_t(a) * cols_ + b] += n; }
  // Adds another table of the same shape.
  void Merge(const ContingencyTable& other);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  uint64_t at(int a, int b) const { return counts_[size_t(a) * cols_ + b]; }
  uint64_t total() const;
  std::vector<uint64_t> RowSums() const;
  std::vector<uint64_t> ColSums() const;

 private:
  int rows_, cols_;
  std::vector<uint64_t> counts_;  // row-major
};

// Adjusted Rand Index (Hubert and Arabie 1985) of the two labelings summarised by `table`, exact
// from the pair counts in O(rows * cols). Degenerate cases follow scikit-learn: when the
// expected and maximum index coincide (e.g. both labelings put everything in one cluster, or
// every item alone) the result is 1.0; an empty table is 1.0.
double AdjustedRandIndex(const ContingencyTable& table);

// Population stability index between two share vectors (each summing to 1): sum over segments of
// (b - a) * ln(b / a), with shares floored at `epsilon` so empty segments stay finite.
double PopulationStabilityIndex(std::span<const double> a, std::span<const double> b,
                                double epsilon = 1e-4);

}  // namespace segd
