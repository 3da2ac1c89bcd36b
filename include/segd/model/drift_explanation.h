// What changed between a baseline and a later view of the same customers, in terms a marketing
// team reads: which segments grew or shrank, and which features of which centroids moved, by how
// much, in original units. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "segd/model/baseline_model.h"
#include "segd/model/drift_evaluator.h"

namespace segd {

// One segment's share of today's customers under the baseline's labels and under the comparison
// model's labels (the same customers, so a difference is customers the comparison moved).
struct SegmentChange {
  int segment = 0;
  std::string name;
  double share_before = 0, share_after = 0;
  bool grew() const { return share_after > share_before; }
};

// One feature of one centroid: baseline value and comparison value in original units (days,
// orders, currency, score), and the move in standard deviations of the baseline's (transformed)
// feature, signed.
struct FeatureMove {
  int segment = 0;
  std::string segment_name, feature;
  double from = 0, to = 0, sd = 0;
};

// Every segment of `report` (same k as the baseline): its share under the baseline's and the
// comparison model's labels, biggest absolute share change first.
std::vector<SegmentChange> SegmentChanges(const BaselineModel& baseline, const DriftReport& report);
// The same from two share vectors of the baseline's segments (e.g. of active customers then and
// now).
std::vector<SegmentChange> SegmentChanges(const BaselineModel& baseline,
                                          const std::vector<double>& before,
                                          const std::vector<double>& after);
// Counts as shares (all zero when the counts are).
std::vector<double> SharesOf(const std::vector<uint64_t>& counts);

// Every (segment, feature) whose centroid moved at least `min_sd` between the baseline and
// `centroids` (k x d, scaled in the baseline's space, e.g. the live model), biggest first.
// Features with weight 0 are skipped.
std::vector<FeatureMove> FeatureMoves(const BaselineModel& baseline, const RowMatrix& centroids,
                                      double min_sd);

// The largest absolute move in sd over all segments and weighted features.
double MaxShiftSd(const BaselineModel& baseline, const RowMatrix& centroids);

// One human line: the top `limit` segment changes (of at least 0.5 points) and feature moves,
// e.g. "segment 2 'recent, one-time, low spend' grew 31.0% -> 38.5%; segment 2 monetary_total
// 95.20 -> 48.10 (-0.72 sd)".
std::string DescribeChanges(const std::vector<SegmentChange>& segments,
                            const std::vector<FeatureMove>& moves, size_t limit = 2);

}  // namespace segd
