// Invariant: every contribution of one LiveStatistics is decayed to its time_ms_, the time of
// the model after its latest update, so the model's counts are the prior plus their sum.
#include "segd/model/live_statistics.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "segd/common/binary_codec.h"

namespace segd {
namespace {

bool Fits(const LiveContribution& c, uint64_t version, Eigen::Index k, Eigen::Index d) {
  return c.baseline_version == version && c.weights.size() == size_t(k) && c.sums.rows() == k &&
         c.sums.cols() == d;
}

// FNV-1a over the bytes of `n` values.
template <typename T>
void Hash(const T* v, size_t n, uint64_t* h) {
  const auto* p = reinterpret_cast<const unsigned char*>(v);
  for (size_t i = 0; i < n * sizeof(T); ++i) *h = (*h ^ p[i]) * 0x100000001b3ULL;
}

}  // namespace

uint64_t LiveBaselineFingerprint(const BaselineModel& b) {
  uint64_t h = 0xcbf29ce484222325ULL;
  Hash(&b.version, 1, &h);
  Hash(b.scaler.mean().data(), size_t(b.scaler.mean().size()), &h);
  Hash(b.scaler.std().data(), size_t(b.scaler.std().size()), &h);
  Hash(b.scaler.weight().data(), size_t(b.scaler.weight().size()), &h);
  Hash(b.centroids.data(), size_t(b.centroids.size()), &h);
  Hash(b.sizes.data(), b.sizes.size(), &h);
  return h;
}

bool LiveContribution::operator==(const LiveContribution& o) const {
  return baseline_version == o.baseline_version && partition == o.partition &&
         since_ms == o.since_ms && time_ms == o.time_ms && weights == o.weights &&
         sums.rows() == o.sums.rows() && sums.cols() == o.sums.cols() && sums == o.sums;
}

double LiveDecayFactor(int64_t from_ms, int64_t to_ms, double half_life_days) {
  if (half_life_days <= 0 || to_ms <= from_ms) return 1.0;
  const double days = double(to_ms - from_ms) / 86'400'000.0;
  return std::exp2(-days / half_life_days);
}

LiveMerge MergeLiveContributions(uint64_t baseline_version, const RowMatrix& centroids,
                                 const std::vector<double>& sizes, const MiniBatchOptions& options,
                                 std::span<const LiveContribution* const> contributions) {
  const Eigen::Index k = centroids.rows(), d = centroids.cols();
  std::vector<const LiveContribution*> used;
  for (const LiveContribution* c : contributions) {
    if (Fits(*c, baseline_version, k, d)) used.push_back(c);
  }
  // Summed in one order whoever merges: every instance gets the same bits from the same inputs.
  std::sort(used.begin(), used.end(), [](const LiveContribution* a, const LiveContribution* b) {
    return a->partition < b->partition;
  });
  LiveMerge m;
  int64_t since = 0;
  for (const LiveContribution* c : used) {
    m.time_ms = std::max(m.time_ms, c->time_ms);
    if (c->since_ms > 0) since = since == 0 ? c->since_ms : std::min(since, c->since_ms);
  }
  const double h = options.half_life_days;
  const double prior = since > 0 ? LiveDecayFactor(since, m.time_ms, h) : 1.0;
  RowMatrix s(k, d);
  m.counts.resize(k);
  for (Eigen::Index c = 0; c < k; ++c) {
    m.counts[c] = sizes[c] * prior;
    s.row(c) = centroids.row(c) * m.counts[c];
  }
  for (const LiveContribution* c : used) {
    const double a = LiveDecayFactor(c->time_ms, m.time_ms, h);
    for (Eigen::Index j = 0; j < k; ++j) m.counts[j] += c->weights[j] * a;
    s += c->sums * a;
  }
  m.centroids = centroids;
  for (Eigen::Index c = 0; c < k; ++c) {
    if (m.counts[c] <= 0) continue;
    for (Eigen::Index j = 0; j < d; ++j) {
      const bool frozen = size_t(j) < options.frozen_dims.size() && options.frozen_dims[j];
      if (!frozen) m.centroids(c, j) = s(c, j) / m.counts[c];
    }
  }
  return m;
}

LiveStatistics::LiveStatistics(uint64_t baseline_version, int k, int d, double half_life_days)
    : baseline_version_(baseline_version), k_(k), d_(d), half_life_days_(half_life_days) {}

int LiveStatistics::Slot(std::string_view topic, int32_t partition) {
  auto is = [&](int i) {
    const TopicPartition& tp = contributions_[i].partition;
    return tp.partition == partition && tp.topic == topic;
  };
  if (last_slot_ >= 0 && is(last_slot_)) return last_slot_;
  for (int i = 0; i < int(contributions_.size()); ++i) {
    if (is(i)) return last_slot_ = i;
  }
  LiveContribution& c = contributions_.emplace_back();
  c.baseline_version = baseline_version_;
  c.partition = {std::string(topic), partition};
  c.time_ms = time_ms_;
  c.weights.assign(k_, 0.0);
  c.sums = RowMatrix::Zero(k_, d_);
  return last_slot_ = int(contributions_.size()) - 1;
}

void LiveStatistics::DecayTo(int64_t time_ms) {
  // MiniBatchKMeans does not decay at its first update (nothing to decay yet); neither does this.
  const double a = time_ms_ > 0 ? LiveDecayFactor(time_ms_, time_ms, half_life_days_) : 1.0;
  time_ms_ = std::max(time_ms_, time_ms);
  for (LiveContribution& c : contributions_) {
    if (a != 1.0) {
      for (double& w : c.weights) w *= a;
      c.sums *= a;
    }
    c.time_ms = time_ms_;
  }
}

void LiveStatistics::Add(int slot, int centre, const double* x) {
  LiveContribution& c = contributions_[slot];
  if (c.since_ms == 0) c.since_ms = time_ms_;
  c.weights[centre] += 1.0;
  c.sums.row(centre) += Eigen::Map<const Eigen::RowVectorXd>(x, d_);
}

void EncodeLiveContributions(std::span<const LiveContribution> contributions, std::string* out) {
  Put<uint32_t>(out, uint32_t(contributions.size()));
  for (const LiveContribution& c : contributions) {
    Put<uint32_t>(out, uint32_t(c.partition.topic.size()));
    out->append(c.partition.topic);
    Put<int32_t>(out, c.partition.partition);
    Put<int64_t>(out, c.since_ms);
    Put<int64_t>(out, c.time_ms);
    for (double w : c.weights) Put<double>(out, w);
    for (Eigen::Index i = 0; i < c.sums.size(); ++i) Put<double>(out, c.sums.data()[i]);
  }
}

Status DecodeLiveContributions(std::string_view* in, uint64_t baseline_version, int k, int d,
                               std::vector<LiveContribution>* out) {
  uint32_t n = 0;
  if (!Get(in, &n) || n > 1'000'000) return DataLoss("live statistics: truncated");
  out->clear();
  for (uint32_t i = 0; i < n; ++i) {
    LiveContribution& c = out->emplace_back();
    c.baseline_version = baseline_version;
    uint32_t topic = 0;
    if (!Get(in, &topic) || in->size() < topic) return DataLoss("live statistics: truncated");
    c.partition.topic = std::string(in->substr(0, topic));
    in->remove_prefix(topic);
    c.weights.resize(k);
    c.sums.resize(k, d);
    bool ok = Get(in, &c.partition.partition) && Get(in, &c.since_ms) && Get(in, &c.time_ms);
    for (double& w : c.weights) ok = ok && Get(in, &w);
    for (Eigen::Index j = 0; j < c.sums.size(); ++j) ok = ok && Get(in, &c.sums.data()[j]);
    if (!ok) return DataLoss("live statistics: truncated");
  }
  return Status::Ok();
}

void LiveStatistics::EncodeTo(std::string* out) const {
  Put<int64_t>(out, time_ms_);
  EncodeLiveContributions(contributions_, out);
}

Status LiveStatistics::DecodeFrom(std::string_view* in) {
  last_slot_ = -1;
  if (!Get(in, &time_ms_)) return DataLoss("live statistics: truncated");
  return DecodeLiveContributions(in, baseline_version_, k_, d_, &contributions_);
}

}  // namespace segd
