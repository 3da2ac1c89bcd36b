// Median, min and max of a benchmark figure over repeated runs. Value type.
#pragma once

#include <algorithm>
#include <vector>

namespace segd::bench {

struct RunSummary {
  double median = 0, min = 0, max = 0;
  std::vector<double> runs;  // in run order

  // Requires at least one value. The median of an even count is the mean of the middle two.
  static RunSummary Of(std::vector<double> values) {
    RunSummary s;
    s.runs = values;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    s.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    s.min = values.front();
    s.max = values.back();
    return s;
  }
};

}  // namespace segd::bench
