// Invariant: a customer's totals always equal the sums over its orders with counts() true, and
// its review aggregates the sums over its orders with review_score > 0. Every branch below keeps
// that invariant by moving one order in or out of those sets.
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

// Removes a counted order; first/last order times are recomputed from the remaining orders when
// the removed one defined them (cancels are rare, so the scan is off the hot path).
Status RemoveOrder(std::string_view customer_id, std::string_view removed_key, const OrderRecord& o,
                   MicroBatch* batch, CustomerState* c) {
  --c->order_count;
  c->item_sum -= o.items;
  c->installment_sum -= o.installments;
  if (c->order_count == 0) {
    c->total_amount = 0.0;  // no accumulated rounding residue for an empty customer
    c->first_order_ms = c->last_order_ms = 0;
    return Status::Ok();
  }
  c->total_amount -= o.amount;
  if (o.placed_ms != c->first_order_ms && o.placed_ms != c->last_order_ms) return Status::Ok();
  int64_t first = std::numeric_limits<int64_t>::max();
  int64_t last = std::numeric_limits<int64_t>::min();
  SEGD_RETURN_IF_ERROR(
      batch->ForEachOrder(customer_id, [&](std::string_view key, const OrderRecord& r) {
        if (key == removed_key || !r.counts()) return;
        first = std::min(first, r.placed_ms);
        last = std::max(last, r.placed_ms);
      }));
  c->first_order_ms = first;
  c->last_order_ms = last;
  return Status::Ok();
}

StatusOr<ApplyOutcome> ApplyPlaced(const Event& e, const std::string& key, OrderRecord order,
                                   CustomerState* c, MicroBatch* batch) {
  if (order.placed) return ApplyOutcome::kDuplicateOrder;
  order.placed = true;
  order.placed_ms = e.time_ms;
  order.amount = e.amount;
  order.items = e.items;
  order.installments = e.installments;
  if (order.counts()) {
    // Region follows the customer's latest live order that names one.
    if (!e.region.empty() && (c->region.empty() || e.time_ms >= c->last_order_ms)) {
      c->region = e.region;
    }
    AddOrder(order, c);
  }
  batch->PutOrder(key, order);
  return ApplyOutcome::kApplied;
}

StatusOr<ApplyOutcome> ApplyCanceled(const Event& e, const std::string& key, OrderRecord order,
                                     CustomerState* c, MicroBatch* batch) {
  if (order.canceled) return ApplyOutcome::kDuplicateCancel;
  const bool counted = order.counts();
  order.canceled = true;
  batch->PutOrder(key, order);  // before RemoveOrder's scan, which skips this key anyway
  if (counted) SEGD_RETURN_IF_ERROR(RemoveOrder(e.subject, key, order, batch, c));
  return ApplyOutcome::kApplied;
}

StatusOr<ApplyOutcome> ApplyReview(const Event& e, const std::string& key, OrderRecord order,
                                   CustomerState* c, MicroBatch* batch) {
  if (order.review_score != 0) {
    // The latest review by event time wins; on equal times the later arrival.
    if (e.time_ms < order.review_ms) return ApplyOutcome::kSupersededReview;
    c->review_score_sum -= order.review_score;
  } else {
    ++c->review_count;
  }
  c->review_score_sum += e.score;
  order.review_score = e.score;
  order.review_ms = e.time_ms;
  batch->PutOrder(key, order);
  return ApplyOutcome::kApplied;
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
  }
  return "unknown";
}

StatusOr<ApplyOutcome> EventApplier::Apply(const Event& e, MicroBatch* batch) {
  auto seen = batch->EventSeen(e.id);
  if (!seen.ok()) return seen.status();
  if (*seen) return ApplyOutcome::kDuplicateEvent;

  const std::string key = OrderKey(e.subject, e.order_id);
  auto found_order = batch->FindOrder(key);
  if (!found_order.ok()) return found_order.status();
  const OrderRecord order = *found_order ? **found_order : OrderRecord{};
  auto found_customer = batch->FindCustomer(e.subject);
  if (!found_customer.ok()) return found_customer.status();
  CustomerState customer = *found_customer ? **found_customer : CustomerState{};

  StatusOr<ApplyOutcome> outcome = ApplyOutcome::kApplied;
  switch (e.type) {
    case EventType::kOrderPlaced:
      outcome = ApplyPlaced(e, key, order, &customer, batch);
      break;
    case EventType::kOrderCanceled:
      outcome = ApplyCanceled(e, key, order, &customer, batch);
      break;
    case EventType::kReviewSubmitted:
      outcome = ApplyReview(e, key, order, &customer, batch);
      break;
  }
  if (!outcome.ok() || *outcome != ApplyOutcome::kApplied) return outcome;
  customer.updated_ms = std::max(customer.updated_ms, e.time_ms);
  batch->PutCustomer(e.subject, customer);
  batch->MarkEventApplied(e.id);
  return outcome;
}

}  // namespace segd
