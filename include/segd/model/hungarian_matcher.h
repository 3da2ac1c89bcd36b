// Minimum-cost assignment (Hungarian method, O(k^3)), used to keep segment ids stable when a new
// baseline replaces the old one. Pure function; thread-safe.
#pragma once

#include <vector>

#include "segd/model/scaler.h"

namespace segd {

// For a square cost matrix (cost(i, j): cost of giving row i the column j), returns `match`
// with match[i] = the column of row i, minimising the total cost.
std::vector<int> MinimumCostMatching(const RowMatrix& cost);

// New cluster i gets old id result[i]: the matching of new to old centroids (same k, same
// space) with minimum total Euclidean distance.
std::vector<int> MatchCentroids(const RowMatrix& old_centroids, const RowMatrix& new_centroids);

}  // namespace segd
