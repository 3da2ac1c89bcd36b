// Applies accepted events to customer state with the contract's semantics (dedup by event id and
// by order, cancel before order, review replacement). Stateless; the MicroBatch it writes to is
// owned by the consumer thread.
#pragma once

#include <cstdint>

#include "segd/common/status.h"
#include "segd/event/event.h"
#include "segd/state/micro_batch.h"

namespace segd {

// What applying one event did. Everything but kApplied left state unchanged.
enum class ApplyOutcome : uint8_t {
  kApplied = 0,
  kDuplicateEvent,    // this event id was applied before
  kDuplicateOrder,    // a second order.placed.v1 for an order already placed
  kDuplicateCancel,   // the order was already canceled
  kSupersededReview,  // a review older (by event time) than the order's current review
};
inline constexpr int kApplyOutcomeCount = 5;

// Stable snake_case name, e.g. "duplicate_event" (used as a metric label).
const char* ApplyOutcomeName(ApplyOutcome outcome);

class EventApplier {
 public:
  // Applies `event` to the state seen through `batch`. Fails only when the store fails.
  [[nodiscard]] static StatusOr<ApplyOutcome> Apply(const Event& event, MicroBatch* batch);
};

}  // namespace segd
