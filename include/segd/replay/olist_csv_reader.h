// Maps the public Olist data set (Kaggle `olistbr/brazilian-ecommerce` CSV layout) to contract-v1
// events, as the contract's "Olist mapping" section says. Pure function of the files; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "segd/common/status.h"
#include "segd/event/event.h"

namespace segd {

struct OlistReport {
  int64_t orders = 0;                        // rows of olist_orders_dataset.csv
  int64_t orders_without_purchase_time = 0;  // skipped: no order.placed.v1 possible
  int64_t orders_without_customer = 0;       // skipped: customer_id not in customers file
  int64_t orders_without_payment = 0;        // placed with amount 0
  int64_t reviews = 0;                       // rows of olist_order_reviews_dataset.csv
  int64_t reviews_skipped = 0;               // unknown or skipped order, or no creation date
};

// São Paulo local time, which the data set's timestamps use.
inline constexpr int kOlistUtcOffsetMinutes = -180;

// Reads the five CSV files in `dir` (orders, customers, order_payments, order_items,
// order_reviews) and returns the events sorted by event time (ties: order id, then placed,
// canceled, review). Columns are found by header name. Errors name the file and line.
[[nodiscard]] StatusOr<std::vector<Event>> ReadOlistEvents(const std::string& dir,
                                                           OlistReport* report);

}  // namespace segd
