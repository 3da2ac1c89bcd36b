#include "segd/state/event_applier.h"

#include <gtest/gtest.h>

#include "segd/state/memory_state_store.h"

namespace segd {
namespace {

Event Placed(std::string id, std::string customer, std::string order, int64_t t, double amount,
             int items = 1, int installments = 1, std::string region = "SP") {
  Event e;
  e.type = EventType::kOrderPlaced;
  e.id = std::move(id);
  e.subject = std::move(customer);
  e.order_id = std::move(order);
  e.time_ms = t;
  e.amount = amount;
  e.items = items;
  e.installments = installments;
  e.region = std::move(region);
  return e;
}

Event Canceled(std::string id, std::string customer, std::string order, int64_t t) {
  Event e;
  e.type = EventType::kOrderCanceled;
  e.id = std::move(id);
  e.subject = std::move(customer);
  e.order_id = std::move(order);
  e.time_ms = t;
  return e;
}

Event Review(std::string id, std::string customer, std::string order, int64_t t, int score) {
  Event e;
  e.type = EventType::kReviewSubmitted;
  e.id = std::move(id);
  e.subject = std::move(customer);
  e.order_id = std::move(order);
  e.time_ms = t;
  e.score = score;
  return e;
}

// Applies events one micro-batch each (or all in one batch) against a memory store.
class Ledger {
 public:
  ApplyOutcome Apply(const Event& e) {
    MicroBatch batch(&store_);
    auto outcome = EventApplier::Apply(e, &batch);
    EXPECT_TRUE(outcome.ok());
    EXPECT_TRUE(store_.Commit(batch.Delta()).ok());
    return *outcome;
  }
  std::vector<ApplyOutcome> ApplyInOneBatch(const std::vector<Event>& events) {
    MicroBatch batch(&store_);
    EXPECT_TRUE(batch.Prefetch(events).ok());
    std::vector<ApplyOutcome> out;
    for (const Event& e : events) out.push_back(*EventApplier::Apply(e, &batch));
    EXPECT_TRUE(store_.Commit(batch.Delta()).ok());
    return out;
  }
  CustomerState Customer(const std::string& id) {
    std::vector<std::optional<CustomerState>> out;
    EXPECT_TRUE(store_.GetCustomers({id}, &out).ok());
    return out[0].value_or(CustomerState{});
  }
  MemoryStateStore store_;
};

TEST(EventApplierTest, PlacedOrdersAccumulate) {
  Ledger l;
  EXPECT_EQ(l.Apply(Placed("e1", "c", "o1", 1000, 10.5, 2, 3)), ApplyOutcome::kApplied);
  EXPECT_EQ(l.Apply(Placed("e2", "c", "o2", 500, 4.5, 1, 1, "RJ")), ApplyOutcome::kApplied);
  CustomerState s = l.Customer("c");
  EXPECT_EQ(s.order_count, 2u);
  EXPECT_DOUBLE_EQ(s.total_amount, 15.0);
  EXPECT_EQ(s.item_sum, 3);
  EXPECT_EQ(s.installment_sum, 4);
  EXPECT_EQ(s.first_order_ms, 500);
  EXPECT_EQ(s.last_order_ms, 1000);
  EXPECT_EQ(s.region, "SP");  // the older order's region does not replace the latest one
  EXPECT_EQ(s.updated_ms, 1000);
}

TEST(EventApplierTest, DuplicateEventIdChangesNothing) {
  Ledger l;
  l.Apply(Placed("e1", "c", "o1", 1000, 10));
  const CustomerState before = l.Customer("c");
  EXPECT_EQ(l.Apply(Placed("e1", "c", "o1", 1000, 10)), ApplyOutcome::kDuplicateEvent);
  // Same id, different content: still a duplicate (the id decides).
  EXPECT_EQ(l.Apply(Review("e1", "c", "o1", 2000, 1)), ApplyOutcome::kDuplicateEvent);
  EXPECT_EQ(l.Customer("c"), before);
}

TEST(EventApplierTest, DuplicateIdWithinOneBatchIsDetected) {
  Ledger l;
  auto out =
      l.ApplyInOneBatch({Placed("e1", "c", "o1", 1000, 10), Placed("e1", "c", "o1", 1000, 10)});
  EXPECT_EQ(out[1], ApplyOutcome::kDuplicateEvent);
  EXPECT_EQ(l.Customer("c").order_count, 1u);
}

TEST(EventApplierTest, SecondPlacementOfAnOrderIsIgnored) {
  Ledger l;
  l.Apply(Placed("e1", "c", "o1", 1000, 10));
  EXPECT_EQ(l.Apply(Placed("e2", "c", "o1", 1000, 99)), ApplyOutcome::kDuplicateOrder);
  EXPECT_EQ(l.Customer("c").order_count, 1u);
  EXPECT_DOUBLE_EQ(l.Customer("c").total_amount, 10);
}

TEST(EventApplierTest, CancelRemovesOrderAndRecomputesRecency) {
  Ledger l;
  l.Apply(Placed("p1", "c", "o1", 1000, 10, 1, 2));
  l.Apply(Placed("p2", "c", "o2", 3000, 20, 2, 5));
  l.Apply(Placed("p3", "c", "o3", 2000, 30, 3, 1));
  EXPECT_EQ(l.Apply(Canceled("x2", "c", "o2", 3500)), ApplyOutcome::kApplied);
  CustomerState s = l.Customer("c");
  EXPECT_EQ(s.order_count, 2u);
  EXPECT_DOUBLE_EQ(s.total_amount, 40);
  EXPECT_EQ(s.item_sum, 4);
  EXPECT_EQ(s.installment_sum, 3);
  EXPECT_EQ(s.first_order_ms, 1000);
  EXPECT_EQ(s.last_order_ms, 2000);  // o2 defined "last"; o3 is now the latest live order
  EXPECT_EQ(s.updated_ms, 3500);
  EXPECT_EQ(l.Apply(Canceled("x2b", "c", "o2", 3600)), ApplyOutcome::kDuplicateCancel);
}

TEST(EventApplierTest, CancelOfOnlyOrderEmptiesTotals) {
  Ledger l;
  l.Apply(Placed("p1", "c", "o1", 1000, 0.1));
  l.Apply(Canceled("x1", "c", "o1", 1100));
  CustomerState s = l.Customer("c");
  EXPECT_EQ(s.order_count, 0u);
  EXPECT_EQ(s.total_amount, 0.0);
  EXPECT_EQ(s.first_order_ms, 0);
  EXPECT_EQ(s.last_order_ms, 0);
}

TEST(EventApplierTest, CancelBeforeOrderMeansTheOrderNeverCounts) {
  Ledger l;
  EXPECT_EQ(l.Apply(Canceled("x1", "c", "o1", 900)), ApplyOutcome::kApplied);
  EXPECT_EQ(l.Apply(Placed("p1", "c", "o1", 1000, 50)), ApplyOutcome::kApplied);
  EXPECT_EQ(l.Apply(Placed("p2", "c", "o2", 2000, 5)), ApplyOutcome::kApplied);
  CustomerState s = l.Customer("c");
  EXPECT_EQ(s.order_count, 1u);
  EXPECT_DOUBLE_EQ(s.total_amount, 5);
  EXPECT_EQ(s.first_order_ms, 2000);
}

TEST(EventApplierTest, CancelInSameBatchAsItsOrderSeesTheBatchWrites) {
  Ledger l;
  l.Apply(Placed("p0", "c", "o0", 500, 1));
  auto out =
      l.ApplyInOneBatch({Placed("p1", "c", "o1", 1000, 10), Placed("p2", "c", "o2", 3000, 20),
                         Canceled("x2", "c", "o2", 3100)});
  EXPECT_EQ(out[2], ApplyOutcome::kApplied);
  CustomerState s = l.Customer("c");
  EXPECT_EQ(s.order_count, 2u);
  EXPECT_EQ(s.last_order_ms, 1000);
  EXPECT_EQ(s.first_order_ms, 500);
}

TEST(EventApplierTest, LaterReviewReplacesEarlierScore) {
  Ledger l;
  l.Apply(Placed("p1", "c", "o1", 1000, 10));
  l.Apply(Review("r1", "c", "o1", 2000, 2));
  EXPECT_EQ(l.Apply(Review("r2", "c", "o1", 3000, 5)), ApplyOutcome::kApplied);
  CustomerState s = l.Customer("c");
  EXPECT_EQ(s.review_count, 1u);
  EXPECT_EQ(s.review_score_sum, 5);
  // An older review arriving late does not win.
  EXPECT_EQ(l.Apply(Review("r0", "c", "o1", 1500, 1)), ApplyOutcome::kSupersededReview);
  EXPECT_EQ(l.Customer("c").review_score_sum, 5);
}

TEST(EventApplierTest, ReviewBeforeOrderCountsOnceTheOrderArrives) {
  Ledger l;
  EXPECT_EQ(l.Apply(Review("r1", "c", "o1", 900, 4)), ApplyOutcome::kApplied);
  EXPECT_EQ(l.Customer("c").review_count, 1u);
  EXPECT_EQ(l.Customer("c").order_count, 0u);
  l.Apply(Placed("p1", "c", "o1", 1000, 10));
  CustomerState s = l.Customer("c");
  EXPECT_EQ(s.review_count, 1u);
  EXPECT_EQ(s.review_score_sum, 4);
  EXPECT_EQ(s.order_count, 1u);
}

TEST(EventApplierTest, BatchBoundariesDoNotChangeTheResult) {
  std::vector<Event> events = {Placed("p1", "a", "o1", 1000, 10), Review("r1", "a", "o1", 1100, 3),
                               Placed("p2", "b", "o2", 1200, 7),  Canceled("x1", "a", "o1", 1300),
                               Placed("p1", "a", "o1", 1000, 10), Placed("p3", "a", "o3", 1400, 2),
                               Review("r2", "a", "o1", 1500, 5),  Canceled("x4", "b", "o4", 1600),
                               Placed("p4", "b", "o4", 1700, 9)};
  Ledger one, many;
  one.ApplyInOneBatch(events);
  for (const Event& e : events) many.Apply(e);
  for (const char* c : {"a", "b"}) EXPECT_EQ(one.Customer(c), many.Customer(c)) << c;
  EXPECT_EQ(one.Customer("a").order_count, 1u);
  EXPECT_EQ(one.Customer("a").review_score_sum, 5);
  EXPECT_EQ(one.Customer("b").order_count, 1u);
}

}  // namespace
}  // namespace segd
