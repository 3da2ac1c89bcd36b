// Human- and machine-readable reports of what a state store holds (`segd run --summary`,
// `segd inspect`). Called on the main thread.
#pragma once

#include <string>
#include <string_view>

#include "segd/ingest/ingest_stats.h"
#include "segd/model/baseline_model.h"
#include "segd/state/state_store.h"

namespace segd {

// One customer's stored state as a JSON object (times in RFC 3339).
std::string CustomerStateJson(std::string_view id, const CustomerState& state);

// Prints totals over the store (customers, orders, per-partition progress) and a few customers'
// state to stdout. `stats` and `seconds` (time spent consuming) describe this run; pass nullptr
// and 0 for a stopped store.
void PrintStoreSummary(StateStore& store, const IngestStats* stats, double seconds);

// Prints a baseline: version, population, and per segment its id, name, size, share and
// centroid in original units.
void PrintBaseline(const BaselineModel& model);

}  // namespace segd
