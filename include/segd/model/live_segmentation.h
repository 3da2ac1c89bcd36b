// The live model fed by ingest: every applied event contributes the changed customer's feature
// vector (at the partition's watermark) to a pending mini-batch of fixed size; a full batch
// updates the mini-batch k-means that started from the current baseline. Mini-batch boundaries
// therefore depend only on the event sequence, never on poll timing or micro-batch sizes.
// Alongside, it keeps what each source partition contributed (LiveStatistics), so that several
// instances of one group can merge their live models: with peers' contributions the centres are
// the merge of everyone's; without, they are the mini-batch model's alone, as for one instance.
// Value type (copy it to snapshot); owned by the consumer thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "segd/common/status.h"
#include "segd/model/baseline_model.h"
#include "segd/model/live_statistics.h"
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

  // Feeds one changed customer, from an event of `topic`/`partition`; no-op without a baseline
  // or for customers without orders.
  void Observe(const CustomerState& customer, int64_t watermark_ms, std::string_view topic,
               int32_t partition);

  // What the other instances of the group hold now (their partitions and those partitions'
  // contributions; of other baselines they are ignored). With peers (or with peers at the
  // previous call), the model's centres and counts are reset to the merge of the baseline, the
  // peers' contributions and this instance's own for the partitions no peer owns: each
  // partition counts once, from its owner, so every instance merges the same sums. A no-op when
  // neither side changed since the last merge. Own contributions of partitions a peer owns stay
  // stored, for when the partition comes back. While there are peers dead centres are not
  // reseeded: a reseed throws away a centre's history, which no sum of contributions expresses,
  // so the instances' models would part ways.
  void MergePeers(PeerStatistics peers);

  bool has_baseline() const { return baseline_ != nullptr; }
  const BaselineModel* baseline() const { return baseline_.get(); }
  const std::shared_ptr<const BaselineModel>& shared_baseline() const { return baseline_; }
  const MiniBatchKMeans& model() const { return live_; }
  int pending() const { return pending_count_; }
  // What this instance's events contributed, per partition (owned now or before).
  const LiveStatistics& own() const { return own_; }
  const PeerStatistics& peers() const { return peers_; }

  // State for the store: baseline version, live model, pending points and their partitions,
  // own contributions and the peers' of the last merge (which the model includes). Decode needs the
  // baseline it was built on (nullptr if none); a blob of another baseline version is rejected
  // with kFailedPrecondition (the caller then resets to its baseline). A blob of the first layout
  // (before contributions were kept) loads with none.
  std::string Encode() const;
  [[nodiscard]] Status Decode(std::string_view bytes,
                              std::shared_ptr<const BaselineModel> baseline);

 private:
  // The full pending batch updates the model and the contributions of its points' partitions.
  void UpdateWithPending(int64_t watermark_ms);

  LiveOptions options_;
  std::shared_ptr<const BaselineModel> baseline_;
  MiniBatchKMeans live_;
  RowMatrix pending_;                   // batch_events x d
  std::vector<int32_t> pending_slots_;  // per pending point: its slot in own_ (-1: none)
  int pending_count_ = 0;
  LiveStatistics own_;
  PeerStatistics peers_;
  uint64_t merged_at_update_ = 0;  // live_.updates() at the last merge with peers
};

}  // namespace segd
