// Per-customer aggregate state, as stored and as read by features. Value type; not synchronised.
#pragma once

#include <cstdint>
#include <string>

namespace segd {

// Totals over the customer's orders that are not canceled, plus review aggregates. An order
// counts from its order.placed.v1 until (if ever) its order.canceled.v1; a cancel that arrives
// first means the order never counts. Reviews count whatever the order's status (satisfaction is
// about the customer), one score per order, the latest by event time.
struct CustomerState {
  int64_t first_order_ms = 0;    // earliest live (non-canceled) order time; 0 when order_count==0
  int64_t last_order_ms = 0;     // latest live order time; 0 when order_count == 0
  uint32_t order_count = 0;      // live orders
  double total_amount = 0.0;     // sum of live orders' amounts
  int64_t item_sum = 0;          // sum of live orders' items
  int64_t installment_sum = 0;   // sum of live orders' installments
  int64_t review_score_sum = 0;  // sum of the current score of each reviewed order
  uint32_t review_count = 0;     // reviewed orders
  std::string region;            // data.state of the latest placed order that had one
  int64_t updated_ms = 0;        // event time of the latest event applied to this customer

  bool operator==(const CustomerState&) const = default;
};

}  // namespace segd
