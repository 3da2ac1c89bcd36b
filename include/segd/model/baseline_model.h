// A signed-off segmentation: the frozen baseline that drift is measured against. Immutable once
// built; safe to share between threads (e.g. behind a shared_ptr<const BaselineModel>).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "segd/common/status.h"
#include "segd/model/feature_spec.h"
#include "segd/model/scaler.h"

namespace segd {

struct BaselineModel {
  uint64_t version = 0;         // 1, 2, ...: one per fit
  int64_t watermark_ms = 0;     // features were computed at this event time
  int64_t trained_unix_ms = 0;  // wall clock of the fit (for operators)
  uint64_t population = 0;      // customers it was fitted on
  double inertia = 0;
  FeatureSpec spec;
  Scaler scaler;
  RowMatrix centroids;             // k x d, scaled space; row i is segment id i
  std::vector<uint64_t> sizes;     // training customers per segment
  std::vector<std::string> names;  // per segment
  std::vector<std::vector<double>> centroids_original;  // per segment, original units

  int k() const { return static_cast<int>(centroids.rows()); }

  // Binary form with a version byte; Decode(Encode()) gives back an equal model.
  std::string Encode() const;
  [[nodiscard]] static StatusOr<BaselineModel> Decode(std::string_view bytes);
};

}  // namespace segd
