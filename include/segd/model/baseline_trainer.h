// Fits a new baseline on every customer of a store and keeps segment ids stable across
// retrains; saves and loads baselines (versioned) in the store's meta space. Reads the store
// concurrently with the writer; SaveBaseline commits, so call it from the writer's thread or
// against a stopped store.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "segd/common/status.h"
#include "segd/model/baseline_model.h"
#include "segd/model/kmeans.h"
#include "segd/state/state_store.h"

namespace segd {

struct TrainOptions {
  int k = 4;            // model.k (ignored when auto_k)
  bool auto_k = false;  // model.k: auto
  int k_min = 2, k_max = 8;
  int n_init = 10;
  uint64_t seed = 0;
  int silhouette_sample = 2000;
  uint64_t min_customers = 10;  // refuse to fit on fewer
  // Names by segment id; a missing or empty one is derived from the centroid.
  std::vector<std::string> segment_names;
};

// The feature rows a fit works on: per customer (with live orders), its id, its transformed
// features (unscaled) and its features in original units (for medians and names). Rows of
// different stores (instances of a group) merge into the rows one store holding every customer
// would give, in the same order.
struct FeatureRows {
  size_t d = 0;
  std::vector<std::string> ids;
  std::vector<double> values;  // ids.size() x d, row-major
  std::vector<double> raw;     // ids.size() x d, row-major
};

// Appends the rows of the customers of `store` for which `include(id)` holds (all when null),
// in the store's (customer id) order.
[[nodiscard]] Status CollectFeatureRows(StateStore& store, int64_t watermark_ms,
                                        const FeatureSpec& spec,
                                        const std::function<bool(std::string_view)>& include,
                                        FeatureRows* out);
// Rows of disjoint customer sets, merged in customer id order.
FeatureRows MergeFeatureRows(std::vector<FeatureRows> parts);

// Fits on `rows` as TrainBaseline does on a store's customers (the same rows in the same order
// give the same model, bit for bit).
[[nodiscard]] StatusOr<BaselineModel> FitBaseline(FeatureRows rows, int64_t watermark_ms,
                                                  const FeatureSpec& spec,
                                                  const TrainOptions& options,
                                                  const BaselineModel* previous);

// Fits on the customers of `store` with live orders, features at `watermark_ms`. When
// `previous` is given and has the same k, new segments take the ids of the previous segments
// they match (minimum total centroid distance, Hungarian method) and version = previous + 1.
[[nodiscard]] StatusOr<BaselineModel> TrainBaseline(StateStore& store, int64_t watermark_ms,
                                                    const FeatureSpec& spec,
                                                    const TrainOptions& options,
                                                    const BaselineModel* previous);

// A point of a model's scaled space (a centroid) in original feature units: scaling undone,
// then the transform (so log1p features are back in counts and amounts).
std::vector<double> ToOriginalUnits(const FeatureSpec& spec, const Scaler& scaler,
                                    const double* scaled);

// The current baseline, if one was ever saved.
[[nodiscard]] StatusOr<std::optional<BaselineModel>> LoadCurrentBaseline(StateStore& store);
// A saved version, if still kept.
[[nodiscard]] StatusOr<std::optional<BaselineModel>> LoadBaseline(StateStore& store,
                                                                  uint64_t version);
// Versions still kept, oldest first.
[[nodiscard]] StatusOr<std::vector<uint64_t>> ListBaselineVersions(StateStore& store);
// Saves `model` as the current baseline in one commit, keeping the newest `keep_versions`.
[[nodiscard]] Status SaveBaseline(StateStore& store, const BaselineModel& model, int keep_versions);
// The writes SaveBaseline commits, added to `delta` (to commit them with other writes).
[[nodiscard]] Status AddBaselineWrites(StateStore& store, const BaselineModel& model,
                                       int keep_versions, StateDelta* delta);

// The largest stored per-partition watermark (0 when nothing was consumed).
[[nodiscard]] StatusOr<int64_t> StoredWatermark(StateStore& store);

}  // namespace segd
