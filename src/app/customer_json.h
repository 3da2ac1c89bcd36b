// The JSON of one customer as the API answers a lookup (GET /v1/customers/{id}), and the
// segments the models put it in. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "segd/ingest/ingest_pipeline.h"
#include "segd/state/customer_record.h"

namespace segd {

// A customer at the watermark under the models of `live` (nullptr or no baseline: no segments),
// with its announced segment (CustomerRecord::announced) when `announced` is given.
nlohmann::json CustomerJson(const std::string& id, const CustomerState& s,
                            const IngestPipeline::LiveSnapshot* live, int64_t watermark,
                            const SegmentMark* announced = nullptr);

// The customer's segment under the live model and under the baseline, as CustomerJson names
// them; nullopt when there is no baseline or the customer has no features (no order yet).
struct CustomerSegments {
  int live = -1, baseline = -1;
  double live_distance = 0, baseline_distance = 0;  // to the centroid, in scaled units
};
std::optional<CustomerSegments> SegmentsOf(const CustomerState& s,
                                           const IngestPipeline::LiveSnapshot* live,
                                           int64_t watermark);

}  // namespace segd
