// Synthetic Olist-like customer states for the benchmarks that need a stored population without
// replaying its history (drift, lookup, online): 97% one-order customers, log-normal order
// values, last orders spread over the ~700 days before BenchNow().
#pragma once

#include <cstdint>
#include <random>

#include "segd/state/customer_state.h"

namespace segd::bench {

// The benchmarks' watermark: 2018-10-17, the end of the Olist history.
int64_t BenchNow();

// One customer drawn from `rng` (the same draws in every benchmark, so populations match).
CustomerState RandomCustomer(std::mt19937_64& rng);

}  // namespace segd::bench
