// Invariant: a customer's totals always equal the sums over its orders with counts() true (those
// held in its record and those folded), and its review aggregates the sums over its orders with
// review_score > 0. Every branch below keeps that invariant by moving one order in or out of
// those sets; folding moves none (it only forgets an order's record).
#include "segd/state/event_applier.h"

#include <algorithm>
#include <limits>

#include "segd/state/state_codec.h"

namespace segd {
namespace {

void AddOrder(const OrderRecord& o, CustomerState* c) {
  c->first_order_ms = c->order_count == 0 ? o.placed_ms : std::min(c->first_order_ms, o.placed_ms);
  c->last_order_ms = c->order_count == 0 ? o.placed_ms : std::max(c->last_order_ms, o.placed_ms);
  ++c->order_count;
  c->total_amount += o.amount;
  c->item_sum += o.items;
  c->installment_sum += o.installments;
}

// Removes a counted order (already marked canceled in `r`); first/last order times are
// recomputed from the remaining orders when the removed one defined them.
void RemoveOrder(const OrderRecord& o, CustomerRecord* r) {
  CustomerState* c = &r->state;
  --c->order_count;
  c->item_sum -= o.items;
  c->installment_sum -= o.installments;
  if (c->order_count == 0) {
    c->total_amount = 0.0;  // no accumulated rounding residue for an empty customer
    c->first_order_ms = c->last_order_ms = 0;
    return;
  }
  c->total_amount -= o.amount;
  if (o.placed_ms != c->first_order_ms && o.placed_ms != c->last_order_ms) return;
  int64_t first = std::numeric_limits<int64_t>::max();
  int64_t last = std::numeric_limits<int64_t>::min();
  if (r->folded.counted > 0) {
    first = r->folded.first_ms;
    last = r->folded.last_ms;
  }
  for (const OrderEntry& e : r->orders) {
    if (!e.record.counts()) continue;
    first = std::min(first, e.record.placed_ms);
    last = std::max(last, e.record.placed_ms);
  }
  c->first_order_ms = first;
  c->last_order_ms = last;
}

void FoldOne(const OrderEntry& e, FoldedOrders* f) {
  ++f->orders;
  if (!e.record.counts()) return;
  f->first_ms = f->counted == 0 ? e.record.placed_ms : std::min(f->first_ms, e.record.placed_ms);
  f->last_ms = f->counted == 0 ? e.record.placed_ms : std::max(f->last_ms, e.record.placed_ms);
  ++f->counted;
}

void Fold(const FoldPolicy& policy, CustomerRecord* r) {
  const int64_t cutoff = r->state.updated_ms - policy.horizon_ms;
  FoldedOrders& f = r->folded;
  std::erase_if(f.recent, [&](const std::pair<uint64_t, int64_t>& h) {
    if (h.second >= cutoff) return false;
    f.through_ms = std::max(f.through_ms, h.second);  // past the horizon now: known by time
    return true;
  });
  std::erase_if(r->orders, [&](const OrderEntry& e) {
    if (e.last_ms >= cutoff) return false;
    FoldOne(e, &f);
    f.through_ms = std::max(f.through_ms, e.last_ms);
    return true;
  });
  while (r->orders.size() > std::max<size_t>(policy.max_orders, 1)) {
    auto oldest = std::min_element(
        r->orders.begin(), r->orders.end(), [](const OrderEntry& a, const OrderEntry& b) {
          return a.last_ms != b.last_ms ? a.last_ms < b.last_ms : a.order_id < b.order_id;
        });
    FoldOne(*oldest, &f);
    // Inside the horizon, events for it may still come: remembered by id until it passes.
    const std::pair<uint64_t, int64_t> h{OrderIdHash(oldest->order_id), oldest->last_ms};
    f.recent.insert(std::lower_bound(f.recent.begin(), f.recent.end(), h), h);
    r->orders.erase(oldest);
  }
}

// What the event would do to the order, decided before anything changes.
ApplyOutcome Decide(const Event& e, const OrderRecord& o) {
  switch (e.type) {
    case EventType::kOrderPlaced:
      return o.placed ? ApplyOutcome::kDuplicateOrder : ApplyOutcome::kApplied;
    case EventType::kOrderCanceled:
      return o.canceled ? ApplyOutcome::kDuplicateCancel : ApplyOutcome::kApplied;
    case EventType::kReviewSubmitted:
      // The latest review by event time wins; on equal times the later arrival.
      return o.review_score != 0 && e.time_ms < o.review_ms ? ApplyOutcome::kSupersededReview
                                                            : ApplyOutcome::kApplied;
  }
  return ApplyOutcome::kApplied;
}

void ApplyPlaced(const Event& e, OrderRecord* order, CustomerState* c) {
  order->placed = true;
  order->placed_ms = e.time_ms;
  order->amount = e.amount;
  order->items = e.items;
  order->installments = e.installments;
  if (order->counts()) {
    // Region follows the customer's latest live order that names one.
    if (!e.region.empty() && (c->region.empty() || e.time_ms >= c->last_order_ms)) {
      c->region = e.region;
    }
    AddOrder(*order, c);
  }
}

void ApplyReview(const Event& e, OrderRecord* order, CustomerState* c) {
  if (order->review_score != 0) {
    c->review_score_sum -= order->review_score;
  } else {
    ++c->review_count;
  }
  c->review_score_sum += e.score;
  order->review_score = e.score;
  order->review_ms = e.time_ms;
}

}  // namespace

const char* ApplyOutcomeName(ApplyOutcome outcome) {
  switch (outcome) {
    case ApplyOutcome::kApplied:
      return "applied";
    case ApplyOutcome::kDuplicateEvent:
      return "duplicate_event";
    case ApplyOutcome::kDuplicateOrder:
      return "duplicate_order";
    case ApplyOutcome::kDuplicateCancel:
      return "duplicate_cancel";
    case ApplyOutcome::kSupersededReview:
      return "superseded_review";
    case ApplyOutcome::kFoldedOrder:
      return "folded_order";
  }
  return "unknown";
}

StatusOr<ApplyOutcome> EventApplier::Apply(const Event& e, MicroBatch* batch,
                                           const FoldPolicy& fold) {
  auto found = batch->FindCustomer(e.subject);
  if (!found.ok()) return found.status();
  const CustomerRecord* current = *found;
  const OrderEntry* entry = current != nullptr ? current->Find(e.order_id) : nullptr;
  const uint64_t id_hash = EventIdHash(e.id);
  if (entry != nullptr) {
    if (std::find(entry->event_ids.begin(), entry->event_ids.end(), id_hash) !=
        entry->event_ids.end()) {
      return ApplyOutcome::kDuplicateEvent;
    }
    if (entry->legacy) {
      auto seen = batch->LegacyEventSeen(e.id);
      if (!seen.ok()) return seen.status();
      if (*seen) return ApplyOutcome::kDuplicateEvent;
    }
  } else if (current != nullptr && current->folded.orders > 0) {
    const FoldedOrders& f = current->folded;
    const uint64_t order_hash = OrderIdHash(e.order_id);
    const auto it = std::lower_bound(f.recent.begin(), f.recent.end(),
                                     std::pair<uint64_t, int64_t>{order_hash, INT64_MIN});
    if (it != f.recent.end() && it->first == order_hash) return ApplyOutcome::kFoldedOrder;
    // Orders folded past the horizon are known only by time: a placement at or before their
    // latest event, a cancel or review less than a horizon after it, may concern one of them.
    const int64_t reach = e.type == EventType::kOrderPlaced ? 0 : fold.horizon_ms;
    if (f.through_ms > 0 && e.time_ms - reach <= f.through_ms) return ApplyOutcome::kFoldedOrder;
  }
  const ApplyOutcome outcome = Decide(e, entry != nullptr ? entry->record : OrderRecord{});
  if (outcome != ApplyOutcome::kApplied) return outcome;

  auto mutable_record = batch->MutableCustomer(e.subject);
  if (!mutable_record.ok()) return mutable_record.status();
  CustomerRecord* r = *mutable_record;
  OrderEntry& order = r->FindOrInsert(e.order_id);
  switch (e.type) {
    case EventType::kOrderPlaced:
      ApplyPlaced(e, &order.record, &r->state);
      break;
    case EventType::kOrderCanceled: {
      const bool counted = order.record.counts();
      order.record.canceled = true;
      if (counted) RemoveOrder(order.record, r);
      break;
    }
    case EventType::kReviewSubmitted:
      ApplyReview(e, &order.record, &r->state);
      break;
  }
  order.last_ms = std::max(order.last_ms, e.time_ms);
  if (order.event_ids.size() >= OrderEntry::kMaxEventIds) {
    order.event_ids.erase(order.event_ids.begin());
  }
  order.event_ids.push_back(id_hash);
  r->state.updated_ms = std::max(r->state.updated_ms, e.time_ms);
  Fold(fold, r);
  return outcome;
}

}  // namespace segd
