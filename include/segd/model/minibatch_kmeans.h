// The live model: mini-batch k-means (Sculley 2010) started from a baseline, with per-centre
// learning rate 1/count, optional forgetting by an event-time half-life, and dead-centre
// reseeding. Deterministic for identical input. Owned by the consumer thread; copy it to share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "segd/common/status.h"
#include "segd/model/scaler.h"

namespace segd {

struct MiniBatchOptions {
  double half_life_days = 0;   // 0: no forgetting; else counts halve every this many days
  int dead_after_updates = 0;  // 0: never; else reseed a centre without points for this many
  // Dimensions the updates leave alone (1 = frozen), e.g. recency: customers are only seen when
  // they act, so a learned recency would drift toward 0 with no change in behaviour.
  std::vector<uint8_t> frozen_dims;
  bool operator==(const MiniBatchOptions&) const = default;
};

class MiniBatchKMeans {
 public:
  MiniBatchKMeans() = default;
  // Starts from `centroids` (k x d, scaled space) with `counts[c]` points of history each
  // (the baseline's cluster sizes, so the first batches do not yank the centres).
  MiniBatchKMeans(RowMatrix centroids, std::vector<double> counts, MiniBatchOptions options);

  // One mini-batch (rows of `batch`, scaled), observed at event time `time_ms`. `labels`, if
  // given, gets each row's centre (assigned against the centres before the update). Dead centres
  // are reseeded (options.dead_after_updates) only when `reseed`.
  void Update(const RowMatrix& batch, int64_t time_ms, std::vector<int>* labels = nullptr,
              bool reseed = true);

  // Replaces the centres and their counts with `centroids` / `counts` (same shape) as of event
  // time `time_ms` (e.g. statistics merged across instances); options and counters stay, and
  // every centre counts as hit now.
  void Restart(RowMatrix centroids, std::vector<double> counts, int64_t time_ms);

  int Predict(const double* point, double* distance2 = nullptr) const;
  std::vector<int> Assign(const RowMatrix& x) const;

  const RowMatrix& centroids() const { return centroids_; }
  const std::vector<double>& counts() const { return counts_; }
  uint64_t updates() const { return updates_; }
  uint64_t reseeds() const { return reseeds_; }
  // Event time the counts are decayed to (0 before the first update).
  int64_t time_ms() const { return last_time_ms_; }
  const MiniBatchOptions& options() const { return options_; }

  // Binary state (version byte, little-endian); Decode restores it bit for bit.
  std::string Encode() const;
  [[nodiscard]] static StatusOr<MiniBatchKMeans> Decode(std::string_view bytes);

  bool operator==(const MiniBatchKMeans&) const = default;

 private:
  void Decay(int64_t time_ms);
  void ReseedDeadCentres(const RowMatrix& batch, const std::vector<double>& distance2);

  RowMatrix centroids_;
  std::vector<double> counts_;
  std::vector<uint64_t> last_hit_;  // update number at which each centre last got a point
  MiniBatchOptions options_;
  int64_t last_time_ms_ = 0;
  uint64_t updates_ = 0;
  uint64_t reseeds_ = 0;
};

}  // namespace segd
