// A read view of the stored customers as of one moment: every Scan sees the same customers with
// the same state, whatever is committed after the view was taken. Safe for concurrent readers.
#pragma once

#include <functional>
#include <string_view>

#include "segd/common/status.h"
#include "segd/state/customer_record.h"

namespace segd {

class CustomerSnapshot {
 public:
  virtual ~CustomerSnapshot() = default;

  // Calls `fn(customer_id, record)` for every customer of the view whose id sorts after `after`
  // (all of them when `after` is empty), in key order, until it returns false.
  [[nodiscard]] virtual Status Scan(
      std::string_view after,
      const std::function<bool(std::string_view, const CustomerRecord&)>& fn) const = 0;
};

}  // namespace segd
