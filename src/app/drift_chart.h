// The drift history as a chart: ARI of the baseline against the live model (online) and the
// refits over event time, in the style of `segd simulate`'s chart. Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "segd/drift/drift_record.h"

namespace segd {

// `records` in as_of order. Online ARI as a line, refit ARI as points joined by a line, the
// threshold and critical levels dashed, a circle where a retrain became recommended, and a
// vertical line where a new baseline took over.
std::string DriftHistorySvg(const std::vector<DriftRecord>& records, double threshold,
                            double critical);

}  // namespace segd
