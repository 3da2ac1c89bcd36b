// Each batch is first assigned against the centres as they were (Sculley's cached centres), then
// the centres move point by point with rate 1/count. With a half-life, counts decay with event
// time, so a centre keeps following its customers as their behaviour changes.
#include "segd/model/minibatch_kmeans.h"

#include <cassert>
#include <cmath>
#include <cstring>

#include "segd/common/binary_codec.h"
#include "segd/model/nearest_centroid.h"

namespace segd {

MiniBatchKMeans::MiniBatchKMeans(RowMatrix centroids, std::vector<double> counts,
                                 MiniBatchOptions options)
    : centroids_(std::move(centroids)),
      counts_(std::move(counts)),
      last_hit_(counts_.size(), 0),
      options_(options) {}

int MiniBatchKMeans::Predict(const double* point, double* distance2) const {
  return NearestCentroid(centroids_, point, distance2);
}

std::vector<int> MiniBatchKMeans::Assign(const RowMatrix& x) const {
  std::vector<int> labels(x.rows());
  for (Eigen::Index i = 0; i < x.rows(); ++i) labels[i] = Predict(x.row(i).data());
  return labels;
}

void MiniBatchKMeans::Decay(int64_t time_ms) {
  if (options_.half_life_days > 0 && last_time_ms_ > 0 && time_ms > last_time_ms_) {
    const double days = double(time_ms - last_time_ms_) / 86'400'000.0;
    const double factor = std::exp2(-days / options_.half_life_days);
    for (double& c : counts_) c *= factor;
  }
  if (time_ms > last_time_ms_) last_time_ms_ = time_ms;
}

void MiniBatchKMeans::Restart(RowMatrix centroids, std::vector<double> counts, int64_t time_ms) {
  assert(centroids.rows() == centroids_.rows() && centroids.cols() == centroids_.cols());
  assert(counts.size() == counts_.size());
  centroids_ = std::move(centroids);
  counts_ = std::move(counts);
  last_hit_.assign(counts_.size(), updates_);
  last_time_ms_ = time_ms;
}

void MiniBatchKMeans::Update(const RowMatrix& batch, int64_t time_ms, std::vector<int>* out,
                             bool reseed) {
  Decay(time_ms);
  ++updates_;
  std::vector<int> own_labels;
  std::vector<int>& labels = out ? *out : own_labels;
  labels.resize(batch.rows());
  std::vector<double> distance2(batch.rows());
  for (Eigen::Index i = 0; i < batch.rows(); ++i) {
    labels[i] = Predict(batch.row(i).data(), &distance2[i]);
  }
  Eigen::RowVectorXd learn = Eigen::RowVectorXd::Ones(centroids_.cols());
  for (size_t j = 0; j < options_.frozen_dims.size() && j < size_t(learn.size()); ++j) {
    if (options_.frozen_dims[j]) learn[Eigen::Index(j)] = 0.0;
  }
  for (Eigen::Index i = 0; i < batch.rows(); ++i) {
    const int c = labels[i];
    counts_[c] += 1.0;
    const double eta = 1.0 / counts_[c];
    centroids_.row(c) += eta * (batch.row(i) - centroids_.row(c)).cwiseProduct(learn);
    last_hit_[c] = updates_;
  }
  if (reseed) ReseedDeadCentres(batch, distance2);
}

void MiniBatchKMeans::ReseedDeadCentres(const RowMatrix& batch,
                                        const std::vector<double>& distance2) {
  if (options_.dead_after_updates <= 0 || batch.rows() == 0) return;
  std::vector<double> d = distance2;
  for (size_t c = 0; c < counts_.size(); ++c) {
    if (updates_ - last_hit_[c] < uint64_t(options_.dead_after_updates)) continue;
    // The batch point worst served by its centre; ties go to the lowest index.
    Eigen::Index far = 0;
    for (Eigen::Index i = 1; i < batch.rows(); ++i) {
      if (d[i] > d[far]) far = i;
    }
    centroids_.row(c) = batch.row(far);
    counts_[c] = 1.0;
    last_hit_[c] = updates_;
    d[far] = -1.0;  // not the same point for two dead centres
    ++reseeds_;
  }
}

namespace {

constexpr uint8_t kVersion = 1;

}  // namespace

std::string MiniBatchKMeans::Encode() const {
  std::string out;
  Put<uint8_t>(&out, kVersion);
  Put<uint32_t>(&out, uint32_t(centroids_.rows()));
  Put<uint32_t>(&out, uint32_t(centroids_.cols()));
  for (Eigen::Index i = 0; i < centroids_.size(); ++i) Put<double>(&out, centroids_.data()[i]);
  for (double c : counts_) Put<double>(&out, c);
  for (uint64_t h : last_hit_) Put<uint64_t>(&out, h);
  Put<double>(&out, options_.half_life_days);
  Put<int32_t>(&out, options_.dead_after_updates);
  Put<uint32_t>(&out, uint32_t(options_.frozen_dims.size()));
  for (uint8_t f : options_.frozen_dims) Put<uint8_t>(&out, f);
  Put<int64_t>(&out, last_time_ms_);
  Put<uint64_t>(&out, updates_);
  Put<uint64_t>(&out, reseeds_);
  return out;
}

StatusOr<MiniBatchKMeans> MiniBatchKMeans::Decode(std::string_view in) {
  uint8_t version = 0;
  uint32_t k = 0, d = 0;
  if (!Get(&in, &version) || version != kVersion) return DataLoss("live model: bad version");
  if (!Get(&in, &k) || !Get(&in, &d) || k > 1024 || d > 1024) {
    return DataLoss("live model: bad shape");
  }
  MiniBatchKMeans m;
  m.centroids_.resize(k, d);
  m.counts_.resize(k);
  m.last_hit_.resize(k);
  bool ok = true;
  for (Eigen::Index i = 0; i < m.centroids_.size(); ++i) ok &= Get(&in, &m.centroids_.data()[i]);
  for (double& c : m.counts_) ok &= Get(&in, &c);
  for (uint64_t& h : m.last_hit_) ok &= Get(&in, &h);
  uint32_t frozen = 0;
  ok &= Get(&in, &m.options_.half_life_days) && Get(&in, &m.options_.dead_after_updates) &&
        Get(&in, &frozen) && frozen <= d;
  if (ok) {
    m.options_.frozen_dims.resize(frozen);
    for (uint8_t& f : m.options_.frozen_dims) ok &= Get(&in, &f);
  }
  ok &= Get(&in, &m.last_time_ms_) && Get(&in, &m.updates_) && Get(&in, &m.reseeds_);
  if (!ok || !in.empty()) return DataLoss("live model: truncated or trailing bytes");
  return m;
}

}  // namespace segd
