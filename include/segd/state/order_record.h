// What segd remembers about one order of one customer. Value type; not synchronised.
#pragma once

#include <cstdint>

namespace segd {

// Created by whichever of placed / canceled / review arrives first. The order counts in its
// customer's totals while `placed && !canceled`.
struct OrderRecord {
  bool placed = false;    // an order.placed.v1 was applied
  bool canceled = false;  // an order.canceled.v1 was applied (before or after the placement)
  int64_t placed_ms = 0;  // event time of the placement
  double amount = 0.0;
  int32_t items = 0;
  int32_t installments = 0;
  int32_t review_score = 0;  // 0: no review yet, else 1..5
  int64_t review_ms = 0;     // event time of the review whose score is kept

  bool counts() const { return placed && !canceled; }
  bool operator==(const OrderRecord&) const = default;
};

}  // namespace segd
