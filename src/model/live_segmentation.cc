// Invariant: the model's counts are the baseline's (decayed) plus the contributions merged last
// (the peers' in peers_ and own_ of the partitions no peer owned) plus the points of the updates
// since, which own_ holds too. A reseed (only ever made without peers) is the one exception; the
// next merge with peers replaces it.
#include "segd/model/live_segmentation.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "segd/common/binary_codec.h"

namespace segd {
namespace {

constexpr uint8_t kLayoutV1 = 1;  // version, pending points, live model
constexpr uint8_t kLayout = 2;    // + the pending points' partitions, own and peers' statistics

}  // namespace

void LiveSegmentation::ResetTo(std::shared_ptr<const BaselineModel> baseline) {
  baseline_ = std::move(baseline);
  pending_count_ = 0;
  peers_ = {};
  merged_at_update_ = 0;
  if (!baseline_) return;
  std::vector<double> counts(baseline_->sizes.begin(), baseline_->sizes.end());
  MiniBatchOptions minibatch = options_.minibatch;
  minibatch.frozen_dims.assign(baseline_->spec.features.size(), 0);
  for (size_t j = 0; j < baseline_->spec.features.size(); ++j) {
    // Recency is seen only at the moment of an order (0 days), never as the population ages.
    minibatch.frozen_dims[j] = baseline_->spec.features[j].kind == FeatureKind::kRecencyDays;
  }
  live_ = MiniBatchKMeans(baseline_->centroids, std::move(counts), minibatch);
  pending_.resize(options_.batch_events, baseline_->centroids.cols());
  pending_slots_.assign(options_.batch_events, -1);
  own_ = LiveStatistics(baseline_->version, baseline_->k(), int(baseline_->centroids.cols()),
                        minibatch.half_life_days);
}

void LiveSegmentation::Observe(const CustomerState& customer, int64_t watermark_ms,
                               std::string_view topic, int32_t partition) {
  if (!baseline_) return;
  double* row = pending_.row(pending_count_).data();
  if (!ExtractFeatures(baseline_->spec, customer, watermark_ms, row)) return;
  baseline_->scaler.TransformRow(row);
  pending_slots_[pending_count_] = own_.Slot(topic, partition);
  if (++pending_count_ < options_.batch_events) return;
  UpdateWithPending(watermark_ms);
}

void LiveSegmentation::UpdateWithPending(int64_t watermark_ms) {
  std::vector<int> labels;
  live_.Update(pending_, watermark_ms, &labels, /*reseed=*/peers_.empty());
  own_.DecayTo(live_.time_ms());
  for (int i = 0; i < pending_count_; ++i) {
    if (pending_slots_[i] >= 0) own_.Add(pending_slots_[i], labels[i], pending_.row(i).data());
  }
  pending_count_ = 0;
}

void LiveSegmentation::MergePeers(PeerStatistics peers) {
  if (!baseline_) return;
  std::erase_if(peers.contributions, [this](const LiveContribution& c) {
    return c.baseline_version != baseline_->version;
  });
  // Alone (and alone before): the model is the mini-batch model, exactly as it always was.
  if (peers.empty() && peers_.empty()) return;
  if (peers == peers_ && live_.updates() == merged_at_update_) return;
  peers_ = std::move(peers);
  std::set<TopicPartition> theirs(peers_.partitions.begin(), peers_.partitions.end());
  std::vector<const LiveContribution*> all;
  for (const LiveContribution& c : peers_.contributions) {
    theirs.insert(c.partition);
    all.push_back(&c);
  }
  for (const LiveContribution& c : own_.contributions()) {
    if (!theirs.contains(c.partition)) all.push_back(&c);
  }
  const std::vector<double> sizes(baseline_->sizes.begin(), baseline_->sizes.end());
  LiveMerge m =
      MergeLiveContributions(baseline_->version, baseline_->centroids, sizes, live_.options(), all);
  if (m.time_ms < live_.time_ms()) {  // the model is ahead of every contribution: catch up
    const double a = LiveDecayFactor(m.time_ms, live_.time_ms(), live_.options().half_life_days);
    for (double& w : m.counts) w *= a;
    m.time_ms = live_.time_ms();
  }
  live_.Restart(std::move(m.centroids), std::move(m.counts), m.time_ms);
  merged_at_update_ = live_.updates();
}

std::string LiveSegmentation::Encode() const {
  std::string out;
  Put<uint8_t>(&out, kLayout);
  Put<uint64_t>(&out, baseline_ ? baseline_->version : 0);
  Put<uint32_t>(&out, uint32_t(pending_count_));
  if (baseline_) {
    out.append(reinterpret_cast<const char*>(pending_.data()),
               sizeof(double) * pending_count_ * pending_.cols());
    out.append(reinterpret_cast<const char*>(pending_slots_.data()),
               sizeof(int32_t) * pending_count_);
  }
  const std::string live = live_.Encode();
  Put<uint32_t>(&out, uint32_t(live.size()));
  out += live;
  own_.EncodeTo(&out);
  Put<uint32_t>(&out, uint32_t(peers_.partitions.size()));
  for (const TopicPartition& tp : peers_.partitions) {
    Put<uint32_t>(&out, uint32_t(tp.topic.size()));
    out += tp.topic;
    Put<int32_t>(&out, tp.partition);
  }
  EncodeLiveContributions(peers_.contributions, &out);
  Put<uint64_t>(&out, merged_at_update_);
  return out;
}

Status LiveSegmentation::Decode(std::string_view in,
                                std::shared_ptr<const BaselineModel> baseline) {
  uint8_t layout = 0;
  uint64_t version = 0;
  uint32_t pending = 0;
  if (!Get(&in, &layout) || !Get(&in, &version) || !Get(&in, &pending)) {
    return DataLoss("live segmentation: truncated");
  }
  if (layout != kLayoutV1 && layout != kLayout)
    return DataLoss("live segmentation: unknown layout");
  if (!baseline || baseline->version != version) {
    return FailedPrecondition("live model belongs to baseline v" + std::to_string(version));
  }
  ResetTo(std::move(baseline));
  const size_t bytes = sizeof(double) * pending * pending_.cols();
  const size_t slot_bytes = layout == kLayout ? sizeof(int32_t) * pending : 0;
  if (pending >= uint32_t(options_.batch_events)) {
    ResetTo(baseline_);  // model.live_batch_events was lowered: start over from the baseline
    return FailedPrecondition("live model has more pending points than a mini-batch holds");
  }
  if (in.size() < bytes + slot_bytes)
    return DataLoss("live segmentation: truncated pending points");
  std::memcpy(pending_.data(), in.data(), bytes);
  std::memcpy(pending_slots_.data(), in.data() + bytes, slot_bytes);
  in.remove_prefix(bytes + slot_bytes);
  pending_count_ = static_cast<int>(pending);
  std::string_view live_bytes = in;
  if (layout == kLayout) {
    uint32_t size = 0;
    if (!Get(&in, &size) || in.size() < size) return DataLoss("live segmentation: truncated");
    live_bytes = in.substr(0, size);
    in.remove_prefix(size);
  }
  auto live = MiniBatchKMeans::Decode(live_bytes);
  if (!live.ok()) return live.status();
  live_ = std::move(*live);
  if (layout == kLayoutV1) return Status::Ok();  // no contributions were kept: none so far
  own_ = LiveStatistics(version, baseline_->k(), int(baseline_->centroids.cols()),
                        live_.options().half_life_days);
  SEGD_RETURN_IF_ERROR(own_.DecodeFrom(&in));
  uint32_t theirs = 0;
  if (!Get(&in, &theirs) || theirs > 1'000'000) return DataLoss("live segmentation: truncated");
  for (uint32_t i = 0; i < theirs; ++i) {
    TopicPartition& tp = peers_.partitions.emplace_back();
    uint32_t size = 0;
    if (!Get(&in, &size) || in.size() < size) return DataLoss("live segmentation: truncated");
    tp.topic = std::string(in.substr(0, size));
    in.remove_prefix(size);
    if (!Get(&in, &tp.partition)) return DataLoss("live segmentation: truncated");
  }
  SEGD_RETURN_IF_ERROR(DecodeLiveContributions(
      &in, version, baseline_->k(), int(baseline_->centroids.cols()), &peers_.contributions));
  if (!Get(&in, &merged_at_update_)) return DataLoss("live segmentation: truncated");
  for (int i = 0; i < pending_count_; ++i) {
    if (pending_slots_[i] >= int(own_.contributions().size())) {
      return DataLoss("live segmentation: pending point of an unknown partition");
    }
  }
  if (!in.empty()) return DataLoss("live segmentation: trailing bytes");
  return Status::Ok();
}

}  // namespace segd
