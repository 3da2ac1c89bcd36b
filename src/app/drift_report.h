// `segd inspect drift`: the drift history a store holds, as CSV or JSON, on stdout. Called on
// the main thread.
#pragma once

#include <cstdint>
#include <string>

#include "drift/drift_history.h"

namespace segd {

// Every evaluation with from_ms <= as_of < to_ms. "csv": a header and one row per evaluation
// (per-segment shares as ';'-separated lists; the detector's statistic and limit empty while it
// calibrates, its reason quoted); "json": {"evaluations": [...]}, each evaluation
// as GET /v1/drift shows it. Returns the exit code (1 when the history cannot be read).
int PrintDriftHistory(const DriftHistory& history, const std::string& format, int64_t from_ms,
                      int64_t to_ms);

}  // namespace segd
