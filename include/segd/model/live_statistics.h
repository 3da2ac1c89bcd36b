// The live model as additive statistics, so that several instances can share one. A live centre
// is a decayed weighted mean: with S_c = centre * count and W_c = count, a point x assigned to c
// does S_c += x, W_c += 1, and forgetting multiplies both by the same factor (Spark
// StreamingKMeans' c' = (c n a + x m) / (n a + m)). So the model is the baseline's prior plus one
// sum per source partition, and sums from different instances add up. Contributions are kept per
// partition, not per instance: a partition that moves takes its contribution with its state, and
// nothing is counted twice. Value types; owned by one thread (copy to share).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "segd/common/status.h"
#include "segd/model/baseline_model.h"
#include "segd/model/minibatch_kmeans.h"
#include "segd/model/scaler.h"
#include "segd/state/partition_progress.h"

namespace segd {

// What one source partition's events added to the live model since a baseline.
struct LiveContribution {
  uint64_t baseline_version = 0;  // the baseline the model started from
  TopicPartition partition;
  // Event time of the first update the partition took part in: the model's prior (the baseline)
  // starts to decay at the earliest of these, as MiniBatchKMeans' counts do at its first update.
  int64_t since_ms = 0;
  int64_t time_ms = 0;          // event time `weights` and `sums` are decayed to
  std::vector<double> weights;  // k: decayed number of points per centre
  RowMatrix sums;               // k x d (scaled space): decayed sum of those points

  bool operator==(const LiveContribution& o) const;
};

// What the other members of a group hold, as this instance sees it: the partitions they own
// now, and the latest contribution of those partitions' owners (a partition whose owner has fed
// nothing yet has none). Empty: no other member.
struct PeerStatistics {
  std::vector<TopicPartition> partitions;
  std::vector<LiveContribution> contributions;
  bool empty() const { return partitions.empty() && contributions.empty(); }
  bool operator==(const PeerStatistics&) const = default;
};

// A hash of what contributions depend on besides the version: the scaled space (scaler), the
// centroids and sizes (the prior). Two instances that fitted their own baselines may both call
// theirs v1; their contributions must not be mixed.
uint64_t LiveBaselineFingerprint(const BaselineModel& baseline);

// Binary form of contributions (little-endian), all of one shape and baseline version, which
// the decoder must be given.
void EncodeLiveContributions(std::span<const LiveContribution> contributions, std::string* out);
[[nodiscard]] Status DecodeLiveContributions(std::string_view* in, uint64_t baseline_version, int k,
                                             int d, std::vector<LiveContribution>* out);

// The factor that decays a weight from `from_ms` to `to_ms` with `half_life_days` (1 without
// forgetting or when to_ms <= from_ms), computed as MiniBatchKMeans does.
double LiveDecayFactor(int64_t from_ms, int64_t to_ms, double half_life_days);

// Merged centres: what a MiniBatchKMeans fed every contribution's points would hold.
struct LiveMerge {
  RowMatrix centroids;         // k x d
  std::vector<double> counts;  // k
  int64_t time_ms = 0;         // event time they are decayed to (0: no contribution)
};

// The baseline prior (`centroids` with `sizes` as weights, decayed from the earliest since_ms)
// plus every contribution of `baseline_version` (others are ignored, as are misshapen ones), all
// decayed to the latest time among them. Centres whose weight is 0 and dimensions frozen by
// `options` keep the baseline's values. The result does not depend on the order of
// `contributions` (they are summed in partition order).
LiveMerge MergeLiveContributions(uint64_t baseline_version, const RowMatrix& centroids,
                                 const std::vector<double>& sizes, const MiniBatchOptions& options,
                                 std::span<const LiveContribution* const> contributions);

// One instance's own contributions, one per partition it has fed points from, in a fixed slot
// order (the first point of a partition creates its slot).
class LiveStatistics {
 public:
  LiveStatistics() = default;
  LiveStatistics(uint64_t baseline_version, int k, int d, double half_life_days);

  // The slot of `topic`/`partition` (created empty when new). Slots never move.
  int Slot(std::string_view topic, int32_t partition);
  // Decays every contribution to `time_ms` (the model's time after an update; never backwards).
  void DecayTo(int64_t time_ms);
  // Adds point `x` (d values), assigned to `centre`, to `slot` at the current time.
  void Add(int slot, int centre, const double* x);

  const std::vector<LiveContribution>& contributions() const { return contributions_; }
  int64_t time_ms() const { return time_ms_; }

  // Binary form (little-endian); Decode needs the shape and version it was built with.
  void EncodeTo(std::string* out) const;
  [[nodiscard]] Status DecodeFrom(std::string_view* in);

 private:
  uint64_t baseline_version_ = 0;
  int k_ = 0, d_ = 0;
  double half_life_days_ = 0;
  int64_t time_ms_ = 0;
  std::vector<LiveContribution> contributions_;
  int last_slot_ = -1;  // Slot's cache: consecutive events mostly come from one partition
};

}  // namespace segd
