// What `segd simulate` writes: the curve as CSV and the short text report (first crossings and
// the recommended retraining interval). Pure functions; thread-safe.
#pragma once

#include <string>

#include "app/simulate.h"

namespace segd {

// One row per step: time, customers, both ARIs, the three silhouettes, then the share of every
// segment under M0, refit and online (share_<model>_<segment id>).
std::string SimulateCsv(const SimulateResult& r);

// A few lines: the run, the first date each curve fell below `threshold` and `critical`, the
// last step, and the recommended retraining interval with its spread over the start dates.
std::string SimulateReport(const SimulateResult& r, double threshold, double critical);

}  // namespace segd
