// Applies accepted events to customer state with the contract's semantics (dedup by event id and
// by order, cancel before order, review replacement) and folds old orders into the aggregates.
// Stateless; the MicroBatch it writes to is owned by the consumer thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "segd/common/status.h"
#include "segd/event/event.h"
#include "segd/state/micro_batch.h"

namespace segd {

// What applying one event did. Everything but kApplied left state unchanged.
enum class ApplyOutcome : uint8_t {
  kApplied = 0,
  kDuplicateEvent,    // this event id was applied to this order before
  kDuplicateOrder,    // a second order.placed.v1 for an order already placed
  kDuplicateCancel,   // the order was already canceled
  kSupersededReview,  // a review older (by event time) than the order's current review
  kFoldedOrder,       // the event may concern an order folded into the aggregates (FoldPolicy)
};
inline constexpr int kApplyOutcomeCount = 6;

// Stable snake_case name, e.g. "duplicate_event" (used as a metric label).
const char* ApplyOutcomeName(ApplyOutcome outcome);

// When a customer's order records are folded into its aggregates (config `ingest`), so that a
// record stays small however many orders the customer places. After each applied event:
//  - every order whose latest event is more than `horizon_ms` of event time before the
//    customer's latest event is folded;
//  - then, while more than `max_orders` remain, the one with the oldest latest event; the ids of
//    orders folded this way are kept (hashed) until they pass the horizon too.
// An event that names an order the record no longer holds is not applied (kFoldedOrder) when it
// concerns an order folded by the cap, or may concern one folded past the horizon: a placement
// at or before the latest event time of those, a cancel or review less than `horizon_ms` after
// it (cancels and reviews come within the horizon of their order, which is why it must exceed
// every cancel or review delay in the data).
struct FoldPolicy {
  int64_t horizon_ms = int64_t{365} * 86'400'000;  // ingest.fold_horizon_days
  size_t max_orders = 500;                         // ingest.max_orders_per_customer
};

class EventApplier {
 public:
  // Applies `event` to the state seen through `batch`. Fails only when the store fails.
  [[nodiscard]] static StatusOr<ApplyOutcome> Apply(const Event& event, MicroBatch* batch,
                                                    const FoldPolicy& fold = {});
};

}  // namespace segd
