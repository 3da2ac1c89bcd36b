// What segd stores per customer (storage format 2): the aggregate state plus the records of the
// customer's recent orders, which make every event type idempotent per order without an event-id
// index, and a summary of the orders folded away. Value types; not synchronised.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "segd/state/customer_state.h"
#include "segd/state/order_record.h"

namespace segd {

// One order the customer's events named, kept until it is folded.
struct OrderEntry {
  // At most this many event-id hashes per order (placement, cancel and reviews); the oldest goes.
  static constexpr size_t kMaxEventIds = 8;

  std::string order_id;
  OrderRecord record;
  int64_t last_ms = 0;  // latest event time applied to this order
  // Migrated from storage format 1: the ids of the events applied before the migration are in
  // the legacy event-id index, not in event_ids.
  bool legacy = false;
  std::vector<uint64_t> event_ids;  // EventIdHash of each event applied to this order

  bool operator==(const OrderEntry&) const = default;
};

// Orders folded into the aggregates: their contributions stay in CustomerState, their records
// are gone. Events that may concern one of them are not applied (ApplyOutcome::kFoldedOrder).
struct FoldedOrders {
  uint32_t orders = 0;   // folded orders
  uint32_t counted = 0;  // of which counted in the totals (placed, not canceled)
  // Latest event time of the orders folded past the horizon (0: none): events up to a horizon
  // after it may concern one of them.
  int64_t through_ms = 0;
  int64_t first_ms = 0;  // earliest placement among the counted folded orders
  int64_t last_ms = 0;   // latest placement among the counted folded orders
  // Orders folded by the count cap while still inside the horizon: (OrderIdHash, latest event
  // time), sorted. Known exactly until they pass the horizon and join through_ms.
  std::vector<std::pair<uint64_t, int64_t>> recent;

  bool operator==(const FoldedOrders&) const = default;
};

// The segment last announced for the customer (a customer.segment.changed.v1 event, see
// contracts/segment-changes-v1.md): what the next change is measured against.
struct SegmentMark {
  int32_t segment = -1;  // -1: none announced yet
  uint64_t version = 0;  // the baseline version it was computed under

  bool operator==(const SegmentMark&) const = default;
};

struct CustomerRecord {
  CustomerState state;
  FoldedOrders folded;
  std::vector<OrderEntry> orders;  // sorted by order_id
  SegmentMark announced;

  OrderEntry* Find(std::string_view order_id) {
    auto it = LowerBound(order_id);
    return it != orders.end() && it->order_id == order_id ? &*it : nullptr;
  }
  const OrderEntry* Find(std::string_view order_id) const {
    return const_cast<CustomerRecord*>(this)->Find(order_id);
  }
  // The entry for `order_id`, inserted (empty) in order if missing.
  OrderEntry& FindOrInsert(std::string_view order_id) {
    auto it = LowerBound(order_id);
    if (it != orders.end() && it->order_id == order_id) return *it;
    it = orders.insert(it, OrderEntry{});
    it->order_id.assign(order_id);
    return *it;
  }

  bool operator==(const CustomerRecord&) const = default;

 private:
  std::vector<OrderEntry>::iterator LowerBound(std::string_view order_id) {
    return std::lower_bound(
        orders.begin(), orders.end(), order_id,
        [](const OrderEntry& e, std::string_view id) { return std::string_view(e.order_id) < id; });
  }
};

}  // namespace segd
