#include "segd/model/baseline_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "segd/model/hungarian_matcher.h"
#include "segd/model/segment_namer.h"

namespace segd {
namespace {

constexpr const char* kVersionsKey = "baseline/versions";

std::string VersionKey(uint64_t version) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "baseline/v/%020llu", static_cast<unsigned long long>(version));
  return buf;
}

std::string EncodeVersions(const std::vector<uint64_t>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(uint64_t));
}

}  // namespace

std::vector<double> ToOriginalUnits(const FeatureSpec& spec, const Scaler& scaler,
                                    const double* scaled) {
  std::vector<double> v(scaled, scaled + spec.features.size());
  scaler.InverseRow(v.data());
  for (size_t j = 0; j < v.size(); ++j) {
    if (spec.features[j].transform == FeatureTransform::kLog1p) v[j] = std::expm1(v[j]);
  }
  return v;
}

Status CollectFeatureRows(StateStore& store, int64_t watermark_ms, const FeatureSpec& spec,
                          const std::function<bool(std::string_view)>& include, FeatureRows* out) {
  const size_t d = spec.features.size();
  out->d = d;
  std::vector<double> row(d);
  return store.ScanCustomers([&](std::string_view id, const CustomerState& s) {
    if (include && !include(id)) return true;
    if (!ExtractFeatures(spec, s, watermark_ms, row.data())) return true;
    out->ids.emplace_back(id);
    out->values.insert(out->values.end(), row.begin(), row.end());
    for (size_t j = 0; j < d; ++j) {
      out->raw.push_back(RawFeature(spec.features[j].kind, s, watermark_ms, spec.missing_review));
    }
    return true;
  });
}

FeatureRows MergeFeatureRows(std::vector<FeatureRows> parts) {
  FeatureRows out;
  size_t n = 0;
  for (const FeatureRows& p : parts) {
    n += p.ids.size();
    out.d = std::max(out.d, p.d);
  }
  // (part, row) in customer-id order: the order a single store scans them in.
  std::vector<std::pair<size_t, size_t>> order;
  order.reserve(n);
  for (size_t i = 0; i < parts.size(); ++i) {
    for (size_t r = 0; r < parts[i].ids.size(); ++r) order.emplace_back(i, r);
  }
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return parts[a.first].ids[a.second] < parts[b.first].ids[b.second];
  });
  const size_t d = out.d;
  out.ids.reserve(n);
  out.values.reserve(n * d);
  out.raw.reserve(n * d);
  for (const auto& [i, r] : order) {
    out.ids.push_back(std::move(parts[i].ids[r]));
    out.values.insert(out.values.end(), parts[i].values.begin() + r * d,
                      parts[i].values.begin() + (r + 1) * d);
    out.raw.insert(out.raw.end(), parts[i].raw.begin() + r * d, parts[i].raw.begin() + (r + 1) * d);
  }
  return out;
}

StatusOr<BaselineModel> TrainBaseline(StateStore& store, int64_t watermark_ms,
                                      const FeatureSpec& spec, const TrainOptions& o,
                                      const BaselineModel* previous) {
  FeatureRows rows;
  SEGD_RETURN_IF_ERROR(CollectFeatureRows(store, watermark_ms, spec, nullptr, &rows));
  return FitBaseline(std::move(rows), watermark_ms, spec, o, previous);
}

StatusOr<BaselineModel> FitBaseline(FeatureRows rows, int64_t watermark_ms, const FeatureSpec& spec,
                                    const TrainOptions& o, const BaselineModel* previous) {
  const size_t d = spec.features.size();
  if (rows.d != d && !rows.ids.empty()) {
    return InvalidArgument("feature rows have " + std::to_string(rows.d) + " features, the spec " +
                           std::to_string(d));
  }
  std::vector<double>& values = rows.values;
  std::vector<std::vector<double>> raw(rows.ids.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    raw[i].assign(rows.raw.begin() + i * d, rows.raw.begin() + (i + 1) * d);
  }
  const auto n = static_cast<Eigen::Index>(raw.size());
  if (uint64_t(n) < o.min_customers || n < std::max(o.k, o.k_max)) {
    return FailedPrecondition("only " + std::to_string(n) +
                              " customers with orders; need at least " +
                              std::to_string(std::max<uint64_t>(o.min_customers, o.k)));
  }
  RowMatrix x = Eigen::Map<RowMatrix>(values.data(), n, static_cast<Eigen::Index>(d));
  std::vector<double> weights(d);
  for (size_t j = 0; j < d; ++j) weights[j] = spec.features[j].weight;
  BaselineModel m;
  m.spec = spec;
  m.scaler = Scaler::Fit(x, weights);
  m.scaler.TransformInPlace(&x);
  KMeansOptions ko{.k = o.k, .n_init = o.n_init, .seed = o.seed};
  KMeansModel fit =
      o.auto_k ? ChooseK(x, o.k_min, o.k_max, o.silhouette_sample, ko).model : FitKMeans(x, ko);
  m.centroids = std::move(fit.centroids);
  if (previous != nullptr && previous->k() == m.k() &&
      previous->spec.features.size() == spec.features.size()) {
    // Compare in transformed-feature units: both scalers undone.
    RowMatrix old_units(previous->k(), Eigen::Index(d)), new_units = m.centroids;
    for (int c = 0; c < m.k(); ++c) {
      std::vector<double> v(previous->centroids.row(c).data(),
                            previous->centroids.row(c).data() + d);
      previous->scaler.InverseRow(v.data());
      m.scaler.TransformRow(v.data());  // into the new scaled space
      for (size_t j = 0; j < d; ++j) old_units(c, Eigen::Index(j)) = v[j];
    }
    const std::vector<int> id_of_new = MatchCentroids(old_units, new_units);
    for (int i = 0; i < m.k(); ++i) m.centroids.row(id_of_new[i]) = new_units.row(i);
  }
  m.version = previous ? previous->version + 1 : 1;
  m.watermark_ms = watermark_ms;
  m.trained_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  m.population = uint64_t(n);
  const KMeansModel final_model{m.centroids, 0, 0};
  const std::vector<int> labels = final_model.Assign(x);
  m.inertia = Inertia(m.centroids, x);
  m.sizes.assign(m.k(), 0);
  for (int l : labels) ++m.sizes[l];
  const std::vector<double> medians = ColumnMedians(raw);
  for (int c = 0; c < m.k(); ++c) {
    m.centroids_original.push_back(ToOriginalUnits(spec, m.scaler, m.centroids.row(c).data()));
    const bool configured = size_t(c) < o.segment_names.size() && !o.segment_names[c].empty();
    m.names.push_back(configured ? o.segment_names[c]
                                 : NameSegment(spec, m.centroids_original.back(), medians));
  }
  return m;
}

StatusOr<std::vector<uint64_t>> ListBaselineVersions(StateStore& store) {
  auto blob = store.GetMeta(kVersionsKey);
  if (!blob.ok()) return blob.status();
  std::vector<uint64_t> v;
  if (*blob) {
    v.resize((*blob)->size() / sizeof(uint64_t));
    std::memcpy(v.data(), (*blob)->data(), v.size() * sizeof(uint64_t));
  }
  return v;
}

StatusOr<std::optional<BaselineModel>> LoadBaseline(StateStore& store, uint64_t version) {
  auto blob = store.GetMeta(VersionKey(version));
  if (!blob.ok()) return blob.status();
  if (!*blob) return std::optional<BaselineModel>();
  auto m = BaselineModel::Decode(**blob);
  if (!m.ok()) return m.status();
  return std::optional<BaselineModel>(std::move(*m));
}

StatusOr<std::optional<BaselineModel>> LoadCurrentBaseline(StateStore& store) {
  auto versions = ListBaselineVersions(store);
  if (!versions.ok()) return versions.status();
  if (versions->empty()) return std::optional<BaselineModel>();
  return LoadBaseline(store, versions->back());
}

Status AddBaselineWrites(StateStore& store, const BaselineModel& model, int keep_versions,
                         StateDelta* delta) {
  auto versions = ListBaselineVersions(store);
  if (!versions.ok()) return versions.status();
  // A model adopted from elsewhere (the group leader's) supersedes any local version at or past
  // its own, fitted while this instance did not know the group.
  while (!versions->empty() && versions->back() >= model.version) {
    if (versions->back() != model.version)
      delta->meta_deletes.push_back(VersionKey(versions->back()));
    versions->pop_back();
  }
  versions->push_back(model.version);
  while (keep_versions > 0 && versions->size() > size_t(keep_versions)) {
    delta->meta_deletes.push_back(VersionKey(versions->front()));
    versions->erase(versions->begin());
  }
  delta->meta.emplace_back(VersionKey(model.version), model.Encode());
  delta->meta.emplace_back(kVersionsKey, EncodeVersions(*versions));
  return Status::Ok();
}

Status SaveBaseline(StateStore& store, const BaselineModel& model, int keep_versions) {
  StateDelta delta;
  SEGD_RETURN_IF_ERROR(AddBaselineWrites(store, model, keep_versions, &delta));
  return store.Commit(delta);
}

StatusOr<int64_t> StoredWatermark(StateStore& store) {
  std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
  SEGD_RETURN_IF_ERROR(store.ReadProgress(&progress));
  int64_t w = 0;
  for (const auto& [tp, p] : progress) w = std::max(w, p.watermark_ms);
  return w;
}

}  // namespace segd
