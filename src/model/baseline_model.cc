// Layout v1, little-endian: u8 1 | u64 version | i64 watermark | i64 trained | u64 population |
// f64 inertia | f64 missing_review | u32 d | d x (u8 kind, u8 transform, f64 clip_min,
// f64 clip_max, f64 weight) | d x f64 mean | d x f64 std | u32 k | k*d f64 centroids |
// k x u64 size | k x (u32 len, name) | k*d f64 centroids_original.
#include "segd/model/baseline_model.h"

#include <cstring>

namespace segd {
namespace {

constexpr uint8_t kLayout = 1;

class Writer {
 public:
  template <typename T>
  void Put(T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void Bytes(std::string_view s) {
    Put<uint32_t>(static_cast<uint32_t>(s.size()));
    out.append(s);
  }
  std::string out;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <typename T>
  T Get() {
    T v{};
    if (in_.size() < sizeof(T)) {
      ok_ = false;
      return v;
    }
    std::memcpy(&v, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return v;
  }
  std::string Bytes() {
    const uint32_t n = Get<uint32_t>();
    if (in_.size() < n) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }

 private:
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace

std::string BaselineModel::Encode() const {
  Writer w;
  w.Put<uint8_t>(kLayout);
  w.Put<uint64_t>(version);
  w.Put<int64_t>(watermark_ms);
  w.Put<int64_t>(trained_unix_ms);
  w.Put<uint64_t>(population);
  w.Put<double>(inertia);
  w.Put<double>(spec.missing_review);
  const auto d = static_cast<uint32_t>(spec.features.size());
  w.Put<uint32_t>(d);
  for (const FeatureDef& f : spec.features) {
    w.Put<uint8_t>(static_cast<uint8_t>(f.kind));
    w.Put<uint8_t>(static_cast<uint8_t>(f.transform));
    w.Put<double>(f.clip_min);
    w.Put<double>(f.clip_max);
    w.Put<double>(f.weight);
  }
  for (uint32_t j = 0; j < d; ++j) w.Put<double>(scaler.mean()[j]);
  for (uint32_t j = 0; j < d; ++j) w.Put<double>(scaler.std()[j]);
  w.Put<uint32_t>(static_cast<uint32_t>(k()));
  for (Eigen::Index i = 0; i < centroids.size(); ++i) w.Put<double>(centroids.data()[i]);
  for (uint64_t s : sizes) w.Put<uint64_t>(s);
  for (const std::string& n : names) w.Bytes(n);
  for (const auto& c : centroids_original) {
    for (double v : c) w.Put<double>(v);
  }
  return std::move(w.out);
}

StatusOr<BaselineModel> BaselineModel::Decode(std::string_view bytes) {
  Reader r(bytes);
  if (r.Get<uint8_t>() != kLayout || !r.ok()) return DataLoss("baseline: unknown layout");
  BaselineModel m;
  m.version = r.Get<uint64_t>();
  m.watermark_ms = r.Get<int64_t>();
  m.trained_unix_ms = r.Get<int64_t>();
  m.population = r.Get<uint64_t>();
  m.inertia = r.Get<double>();
  m.spec.missing_review = r.Get<double>();
  const uint32_t d = r.Get<uint32_t>();
  if (!r.ok() || d > 64) return DataLoss("baseline: bad feature count");
  std::vector<double> weights(d);
  for (uint32_t j = 0; j < d; ++j) {
    FeatureDef f;
    f.kind = static_cast<FeatureKind>(r.Get<uint8_t>());
    f.transform = static_cast<FeatureTransform>(r.Get<uint8_t>());
    f.clip_min = r.Get<double>();
    f.clip_max = r.Get<double>();
    f.weight = weights[j] = r.Get<double>();
    m.spec.features.push_back(f);
  }
  Eigen::VectorXd mean(d), std(d);
  for (uint32_t j = 0; j < d; ++j) mean[j] = r.Get<double>();
  for (uint32_t j = 0; j < d; ++j) std[j] = r.Get<double>();
  m.scaler = Scaler(mean, std, Eigen::Map<const Eigen::VectorXd>(weights.data(), d));
  const uint32_t k = r.Get<uint32_t>();
  if (!r.ok() || k > 1024) return DataLoss("baseline: bad k");
  m.centroids.resize(k, d);
  for (Eigen::Index i = 0; i < m.centroids.size(); ++i) m.centroids.data()[i] = r.Get<double>();
  m.sizes.resize(k);
  for (uint64_t& s : m.sizes) s = r.Get<uint64_t>();
  m.names.resize(k);
  for (std::string& n : m.names) n = r.Bytes();
  m.centroids_original.assign(k, std::vector<double>(d));
  for (auto& c : m.centroids_original) {
    for (double& v : c) v = r.Get<double>();
  }
  if (!r.done()) return DataLoss("baseline: truncated or trailing bytes");
  return m;
}

}  // namespace segd
