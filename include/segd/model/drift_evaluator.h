// Compares the frozen baseline with a comparison model over every customer in a store: features
// at the watermark, both labels, contingency table, ARI, segment sizes, centroid shift, PSI.
// Reads the store (safe concurrently with the writer); pure otherwise.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "segd/common/status.h"
#include "segd/model/contingency_table.h"
#include "segd/model/feature_spec.h"
#include "segd/model/scaler.h"
#include "segd/state/state_store.h"

namespace segd {

// A model applied in one feature space: its spec, its scaler, and centroids in scaled units.
struct ScaledModel {
  const FeatureSpec* spec = nullptr;
  const Scaler* scaler = nullptr;
  const RowMatrix* centroids = nullptr;
};

struct DriftReport {
  ContingencyTable table{0, 0};  // baseline label x comparison label
  double ari = 1.0;
  uint64_t customers = 0;  // customers in the population (live orders > 0)
  std::vector<uint64_t> baseline_sizes, comparison_sizes;
  std::vector<double> centroid_shift;  // per segment, scaled units (same-space models only)
  double psi = 0.0;                    // of segment shares, baseline vs comparison
  double seconds = 0.0;                // wall time of the evaluation
  // Baseline labels of the active customers only: those with a live order in the `active_days`
  // before the watermark. What today's buyers look like to the frozen baseline; population
  // ageing does not reach it (the drift detector's main statistic).
  double active_days = 0;
  std::vector<uint64_t> active_sizes;
};

// The default window of DriftReport::active_sizes: two 14-day evaluation steps.
inline constexpr double kDefaultActiveDays = 28;

// Evaluates `comparison` against `baseline` at `watermark_ms` over every stored customer.
// When both models share spec and scaler (the online live model), features are computed once per
// customer and centroid shifts are reported; otherwise (a refit) each model gets its own features.
// `active_days` sets DriftReport::active_sizes' window. With `include`, only the customers it
// accepts (one instance's share of a group) are counted.
[[nodiscard]] StatusOr<DriftReport> EvaluateDrift(
    StateStore& store, int64_t watermark_ms, const ScaledModel& baseline,
    const ScaledModel& comparison, double active_days = kDefaultActiveDays,
    const std::function<bool(std::string_view)>& include = nullptr);

// Derives a report's figures (customers, ARI, sizes, PSI, centroid shift) from its table.
void FinishDriftReport(const ScaledModel& baseline, const ScaledModel& comparison,
                       DriftReport* report);

// The report over the union of disjoint populations: tables and active sizes add up, the
// figures follow from the sum (several instances' shares of one group).
[[nodiscard]] StatusOr<DriftReport> MergeDriftReports(const std::vector<DriftReport>& parts,
                                                      const ScaledModel& baseline,
                                                      const ScaledModel& comparison);

}  // namespace segd
