// Compares the frozen baseline with a comparison model over every customer in a store: features
// at the watermark, both labels, contingency table, ARI, segment sizes, centroid shift, PSI.
// Reads the store (safe concurrently with the writer); pure otherwise.
#pragma once

#include <cstdint>
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
};

// Evaluates `comparison` against `baseline` at `watermark_ms` over every stored customer.
// When both models share spec and scaler (the online live model), features are computed once per
// customer and centroid shifts are reported; otherwise (a refit) each model gets its own features.
[[nodiscard]] StatusOr<DriftReport> EvaluateDrift(StateStore& store, int64_t watermark_ms,
                                                  const ScaledModel& baseline,
                                                  const ScaledModel& comparison);

}  // namespace segd
