// The chart `segd simulate` writes: a self-contained SVG of ARI over time. Pure function;
// thread-safe.
#pragma once

#include <string>

#include "app/simulate.h"

namespace segd {

// ARI of M0 against the refit and the online model at every step, the refit curves from the
// later start dates (grey), the `threshold` and `critical` lines, the first step of each curve
// below the threshold circled ("retrain due"), and the recommended retraining schedule (t0 plus
// multiples of the median interval) as ticks on the time axis.
std::string SimulateSvg(const SimulateResult& r, double threshold, double critical);

}  // namespace segd
