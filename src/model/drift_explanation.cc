#include "segd/model/drift_explanation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "segd/model/baseline_trainer.h"

namespace segd {
namespace {

// A move in the baseline's standard deviations: scaled units divided by the feature's weight.
double MoveSd(const BaselineModel& b, const RowMatrix& centroids, int c, int j) {
  return (centroids(c, j) - b.centroids(c, j)) / b.scaler.weight()[j];
}

std::string Format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), fmt, args...);
  return buf;
}

}  // namespace

std::vector<double> SharesOf(const std::vector<uint64_t>& counts) {
  uint64_t total = 0;
  for (uint64_t n : counts) total += n;
  std::vector<double> shares(counts.size(), 0.0);
  for (size_t i = 0; i < counts.size() && total > 0; ++i) shares[i] = double(counts[i]) / total;
  return shares;
}

std::vector<SegmentChange> SegmentChanges(const BaselineModel& baseline,
                                          const std::vector<double>& before,
                                          const std::vector<double>& after) {
  std::vector<SegmentChange> out;
  if (before.size() != after.size()) return out;
  for (size_t c = 0; c < before.size(); ++c) {
    out.push_back({.segment = int(c),
                   .name = c < baseline.names.size() ? baseline.names[c] : "",
                   .share_before = before[c],
                   .share_after = after[c]});
  }
  std::stable_sort(out.begin(), out.end(), [](const SegmentChange& a, const SegmentChange& b) {
    return std::abs(a.share_after - a.share_before) > std::abs(b.share_after - b.share_before);
  });
  return out;
}

std::vector<SegmentChange> SegmentChanges(const BaselineModel& baseline,
                                          const DriftReport& report) {
  if (report.customers == 0) return {};
  return SegmentChanges(baseline, SharesOf(report.baseline_sizes),
                        SharesOf(report.comparison_sizes));
}

std::vector<FeatureMove> FeatureMoves(const BaselineModel& b, const RowMatrix& centroids,
                                      double min_sd) {
  std::vector<FeatureMove> out;
  if (centroids.rows() != b.centroids.rows() || centroids.cols() != b.centroids.cols()) return out;
  for (int c = 0; c < b.k(); ++c) {
    const auto from = ToOriginalUnits(b.spec, b.scaler, b.centroids.row(c).data());
    const auto to = ToOriginalUnits(b.spec, b.scaler, centroids.row(c).data());
    for (size_t j = 0; j < b.spec.features.size(); ++j) {
      if (b.spec.features[j].weight == 0) continue;
      const double sd = MoveSd(b, centroids, c, int(j));
      if (std::abs(sd) < min_sd) continue;
      out.push_back({.segment = c,
                     .segment_name = size_t(c) < b.names.size() ? b.names[c] : "",
                     .feature = FeatureKindName(b.spec.features[j].kind),
                     .from = from[j],
                     .to = to[j],
                     .sd = sd});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const FeatureMove& x, const FeatureMove& y) {
    return std::abs(x.sd) > std::abs(y.sd);
  });
  return out;
}

double MaxShiftSd(const BaselineModel& b, const RowMatrix& centroids) {
  double max = 0;
  if (centroids.rows() != b.centroids.rows() || centroids.cols() != b.centroids.cols()) return max;
  for (int c = 0; c < b.k(); ++c) {
    for (Eigen::Index j = 0; j < centroids.cols(); ++j) {
      if (b.spec.features[size_t(j)].weight != 0) {
        max = std::max(max, std::abs(MoveSd(b, centroids, c, int(j))));
      }
    }
  }
  return max;
}

std::string DescribeChanges(const std::vector<SegmentChange>& segments,
                            const std::vector<FeatureMove>& moves, size_t limit) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < segments.size() && i < limit; ++i) {
    const SegmentChange& s = segments[i];
    if (std::abs(s.share_after - s.share_before) < 0.005) break;
    parts.push_back(Format("segment %d '%s' %s %.1f%% -> %.1f%%", s.segment, s.name.c_str(),
                           s.grew() ? "grew" : "shrank", 100 * s.share_before,
                           100 * s.share_after));
  }
  for (size_t i = 0; i < moves.size() && i < limit; ++i) {
    const FeatureMove& m = moves[i];
    parts.push_back(Format("segment %d %s %.2f -> %.2f (%+.2f sd)", m.segment, m.feature.c_str(),
                           m.from, m.to, m.sd));
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out.empty() ? "no segment or centroid moved noticeably" : out;
}

}  // namespace segd
