#include "segd/model/live_segmentation.h"

#include <cstring>

namespace segd {

void LiveSegmentation::ResetTo(std::shared_ptr<const BaselineModel> baseline) {
  baseline_ = std::move(baseline);
  pending_count_ = 0;
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
}

void LiveSegmentation::Observe(const CustomerState& customer, int64_t watermark_ms) {
  if (!baseline_) return;
  double* row = pending_.row(pending_count_).data();
  if (!ExtractFeatures(baseline_->spec, customer, watermark_ms, row)) return;
  baseline_->scaler.TransformRow(row);
  if (++pending_count_ < options_.batch_events) return;
  live_.Update(pending_, watermark_ms);
  pending_count_ = 0;
}

std::string LiveSegmentation::Encode() const {
  std::string out;
  const uint8_t layout = 1;
  const uint64_t version = baseline_ ? baseline_->version : 0;
  const uint32_t pending = static_cast<uint32_t>(pending_count_);
  out.append(reinterpret_cast<const char*>(&layout), 1);
  out.append(reinterpret_cast<const char*>(&version), sizeof(version));
  out.append(reinterpret_cast<const char*>(&pending), sizeof(pending));
  if (baseline_) {
    out.append(reinterpret_cast<const char*>(pending_.data()),
               sizeof(double) * pending * pending_.cols());
  }
  out += live_.Encode();
  return out;
}

Status LiveSegmentation::Decode(std::string_view in,
                                std::shared_ptr<const BaselineModel> baseline) {
  uint8_t layout = 0;
  uint64_t version = 0;
  uint32_t pending = 0;
  if (in.size() < 13) return DataLoss("live segmentation: truncated");
  std::memcpy(&layout, in.data(), 1);
  std::memcpy(&version, in.data() + 1, 8);
  std::memcpy(&pending, in.data() + 9, 4);
  in.remove_prefix(13);
  if (layout != 1) return DataLoss("live segmentation: unknown layout");
  if (!baseline || baseline->version != version) {
    return FailedPrecondition("live model belongs to baseline v" + std::to_string(version));
  }
  ResetTo(std::move(baseline));
  const size_t bytes = sizeof(double) * pending * pending_.cols();
  if (pending >= uint32_t(options_.batch_events)) {
    ResetTo(baseline_);  // model.live_batch_events was lowered: start over from the baseline
    return FailedPrecondition("live model has more pending points than a mini-batch holds");
  }
  if (in.size() < bytes) return DataLoss("live segmentation: truncated pending points");
  std::memcpy(pending_.data(), in.data(), bytes);
  in.remove_prefix(bytes);
  pending_count_ = static_cast<int>(pending);
  auto live = MiniBatchKMeans::Decode(in);
  if (!live.ok()) return live.status();
  live_ = std::move(*live);
  return Status::Ok();
}

}  // namespace segd
