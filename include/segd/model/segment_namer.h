// Names segments for marketing from their centroids in original units, compared with the
// population's medians: "recent, repeat, high spend". Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "segd/model/feature_spec.h"

namespace segd {

// `centroid` and `medians` are in original units (e.g. days, orders, currency), one value per
// feature of `spec`. Each feature contributes one word pair: recency "recent" / "lapsed"
// (below / above median), frequency "one-time" (at most 1.5 orders) / "repeat", monetary and
// others "low ..." / "high ..." against the median. Features with weight 0 are skipped.
std::string NameSegment(const FeatureSpec& spec, const std::vector<double>& centroid,
                        const std::vector<double>& medians);

// Per-feature medians of the rows of `values` (original units); the matrix is copied.
std::vector<double> ColumnMedians(const std::vector<std::vector<double>>& rows);

}  // namespace segd
