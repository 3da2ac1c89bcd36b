// One drift evaluation as the history keeps it: when (in event time and wall time), against
// which baseline, the ARI per method, what the retrain policy concluded, and what moved (segment
// shares, the baseline -> live migration matrix, live centroids against the baseline's in
// original units). Value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "segd/model/retrain_policy.h"

namespace segd {

enum class DriftSchedule : uint8_t { kEventTime = 0, kWallClock };
// "event_time", "wall_clock".
inline const char* DriftScheduleName(DriftSchedule s) {
  return s == DriftSchedule::kEventTime ? "event_time" : "wall_clock";
}

struct DriftRecord {
  // The event time the evaluation describes: the boundary of an event-time schedule, or the
  // watermark at a wall-clock evaluation. Features (recency) are computed at this time.
  int64_t as_of_ms = 0;
  int64_t evaluated_unix_ms = 0;  // wall clock when it ran
  DriftSchedule schedule = DriftSchedule::kEventTime;
  uint64_t baseline_version = 0;
  uint64_t customers = 0;
  uint64_t live_updates = 0;
  double ari_online = 1.0;
  std::optional<double> ari_refit;  // only at evaluations that refit
  double psi = 0.0;                 // of segment shares, baseline vs live
  std::string method;               // which ARI the policy used: online | refit
  RetrainPolicyState policy;        // after this evaluation (the detector's alert and streak)
  // The detector that drove the policy ("ari_threshold" for wall-clock-only schedules), what it
  // compared (statistic against limit), whether it was still calibrating, its one-line reason
  // (what changed, when alerting) and its state, to resume from (DriftDetector::Encode, hex).
  std::string detector;
  double statistic = 0, limit = 0;
  bool calibrating = false;
  std::string reason;
  std::string detector_state;
  std::vector<std::string> features;               // feature names, the columns of centroid_shift
  std::vector<std::string> segment_names;          // by segment id
  std::vector<double> share_baseline, share_live;  // by segment id, each sums to 1
  std::vector<std::vector<uint64_t>> migration;    // [baseline segment][live segment] customers
  // Per segment and feature: live centroid minus baseline centroid, original units.
  std::vector<std::vector<double>> centroid_shift;
  double seconds = 0.0;  // wall time the evaluation took
};

}  // namespace segd
