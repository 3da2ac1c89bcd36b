// One page of a customer listing read from a CustomerSnapshot: the customers a predicate takes,
// in id order, from where the previous page stopped. A listing that passes each page's
// `next_after` to the next reads every customer of the snapshot once, whatever is committed
// meanwhile. Pure function over the snapshot.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "segd/common/status.h"
#include "segd/state/customer_snapshot.h"

namespace segd {

struct AudiencePageRequest {
  std::string_view after;  // the previous page's next_after ("" for the first page)
  size_t page_size = 100;  // customers taken at most
  size_t max_scanned = 0;  // customers read at most (0: no limit), so a rare segment's page
                           // costs a bounded scan; the page may then hold fewer than page_size
};

struct AudiencePage {
  size_t taken = 0;        // customers `take` accepted
  size_t scanned = 0;      // customers read
  bool done = false;       // the scan reached the end of the snapshot: there is no next page
  std::string next_after;  // when !done: the last customer read, where the next page starts
};

// Calls `take(id, state)` for the customers of `snapshot` after request.after, in id order, until
// it has accepted page_size of them (it returns whether it did), max_scanned were read, or the
// snapshot ends.
[[nodiscard]] StatusOr<AudiencePage> ReadAudiencePage(
    const CustomerSnapshot& snapshot, const AudiencePageRequest& request,
    const std::function<bool(std::string_view, const CustomerRecord&)>& take);

}  // namespace segd
