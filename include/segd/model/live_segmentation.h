// The live model fed by ingest: every applied event contributes the changed customer's feature
// vector (at the partition's watermark) to a pending mini-batch of fixed size; a full batch
// updates the mini-batch k-means that started from the current baseline. Mini-batch boundaries
// therefore depend only on the event sequence, never on poll timing or micro-batch sizes.
// Value type (copy it to snapshot); owned by the consumer thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "segd/common/status.h"
#include "segd/model/baseline_model.h"
#include "segd/model/minibatch_kmeans.h"

namespace segd {

struct LiveOptions {
  int batch_events = 1000;     // model.live_batch_events: points per mini-batch update
  MiniBatchOptions minibatch;  // model.half_life_days, model.dead_after_updates
};

class LiveSegmentation {
 public:
  LiveSegmentation() = default;
  explicit LiveSegmentation(LiveOptions options) : options_(options) {}

  // Starts over from `baseline` (centroids, with its cluster sizes as history).
  void ResetTo(std::shared_ptr<const BaselineModel> baseline);

  // Feeds one changed customer; no-op without a baseline or for customers without orders.
  void Observe(const CustomerState& customer, int64_t watermark_ms);

  bool has_baseline() const { return baseline_ != nullptr; }
  const BaselineModel* baseline() const { return baseline_.get(); }
  const std::shared_ptr<const BaselineModel>& shared_baseline() const { return baseline_; }
  const MiniBatchKMeans& model() const { return live_; }
  int pending() const { return pending_count_; }

  // State for the store: baseline version, live model, pending points. Decode needs the
  // baseline it was built on (nullptr if none); a blob of another baseline version is rejected
  // with kFailedPrecondition (the caller then resets to its baseline).
  std::string Encode() const;
  [[nodiscard]] Status Decode(std::string_view bytes,
                              std::shared_ptr<const BaselineModel> baseline);

 private:
  LiveOptions options_;
  std::shared_ptr<const BaselineModel> baseline_;
  MiniBatchKMeans live_;
  RowMatrix pending_;  // batch_events x d
  int pending_count_ = 0;
};

}  // namespace segd
