// GoogleTest printers for state values, so that a failed comparison says what differs.
#pragma once

#include <ostream>

#include "segd/state/customer_state.h"

namespace segd {

inline void PrintTo(const CustomerState& s, std::ostream* os) {
  *os << "{orders=" << s.order_count << " amount=" << s.total_amount
      << " first=" << s.first_order_ms << " last=" << s.last_order_ms << " items=" << s.item_sum
      << " inst=" << s.installment_sum << " reviews=" << s.review_count << "/" << s.review_score_sum
      << " region=" << s.region << " updated=" << s.updated_ms << "}";
}

}  // namespace segd
