#include "segd/state/event_applier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

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
  explicit Ledger(FoldPolicy fold = {}) : fold_(fold) {}
  ApplyOutcome Apply(const Event& e) {
    MicroBatch batch(&store_);
    auto outcome = EventApplier::Apply(e, &batch, fold_);
    EXPECT_TRUE(outcome.ok());
    EXPECT_TRUE(store_.Commit(batch.Delta()).ok());
    return *outcome;
  }
  std::vector<ApplyOutcome> ApplyInOneBatch(const std::vector<Event>& events) {
    MicroBatch batch(&store_);
    EXPECT_TRUE(batch.Prefetch(events).ok());
    std::vector<ApplyOutcome> out;
    for (const Event& e : events) out.push_back(*EventApplier::Apply(e, &batch, fold_));
    EXPECT_TRUE(store_.Commit(batch.Delta()).ok());
    return out;
  }
  CustomerState Customer(const std::string& id) {
    std::vector<std::optional<CustomerState>> out;
    EXPECT_TRUE(store_.GetCustomers({id}, &out).ok());
    return out[0].value_or(CustomerState{});
  }
  CustomerRecord Record(const std::string& id) {
    std::vector<std::optional<CustomerRecord>> out;
    EXPECT_TRUE(store_.GetRecords({id}, &out).ok());
    return out[0].value_or(CustomerRecord{});
  }
  std::vector<std::string> HeldOrders(const std::string& id) {
    std::vector<std::string> ids;
    for (const OrderEntry& e : Record(id).orders) ids.push_back(e.order_id);
    return ids;
  }
  FoldPolicy fold_;
  MemoryStateStore store_;
};

constexpr int64_t kDay = 86'400'000;

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

TEST(EventApplierTest, OrdersPastTheHorizonAreFoldedAndTheTotalsStay) {
  Ledger l(FoldPolicy{.horizon_ms = 100 * kDay, .max_orders = 500});
  l.Apply(Placed("p1", "c", "o1", 0 * kDay, 10, 2, 3));
  l.Apply(Review("r1", "c", "o1", 10 * kDay, 4));
  l.Apply(Placed("p2", "c", "o2", 50 * kDay, 20));
  EXPECT_EQ(l.HeldOrders("c"), (std::vector<std::string>{"o1", "o2"}));
  // o1's latest event (day 10) is more than 100 days before day 111: folded.
  l.Apply(Placed("p3", "c", "o3", 111 * kDay, 5));
  const CustomerRecord r = l.Record("c");
  EXPECT_EQ(l.HeldOrders("c"), (std::vector<std::string>{"o2", "o3"}));
  EXPECT_EQ(r.folded,
            (FoldedOrders{
                .orders = 1, .counted = 1, .through_ms = 10 * kDay, .first_ms = 0, .last_ms = 0}));
  EXPECT_EQ(r.state.order_count, 3u);
  EXPECT_DOUBLE_EQ(r.state.total_amount, 35);
  EXPECT_EQ(r.state.item_sum, 4);
  EXPECT_EQ(r.state.review_count, 1u);
  EXPECT_EQ(r.state.review_score_sum, 4);
  EXPECT_EQ(r.state.first_order_ms, 0);
}

TEST(EventApplierTest, LateEventsForAFoldedOrderAreNeverCounted) {
  Ledger l(FoldPolicy{.horizon_ms = 100 * kDay, .max_orders = 500});
  const Event placed = Placed("p1", "c", "o1", 0, 10);
  const Event review = Review("r1", "c", "o1", 10 * kDay, 4);
  l.Apply(placed);
  l.Apply(review);
  l.Apply(Placed("p2", "c", "o2", 200 * kDay, 20));  // folds o1
  const CustomerState before = l.Customer("c");
  // Re-deliveries (the event-id hashes went with the order record) and new events about o1.
  EXPECT_EQ(l.Apply(placed), ApplyOutcome::kFoldedOrder);
  EXPECT_EQ(l.Apply(review), ApplyOutcome::kFoldedOrder);
  EXPECT_EQ(l.Apply(Review("r2", "c", "o1", 60 * kDay, 1)), ApplyOutcome::kFoldedOrder);
  EXPECT_EQ(l.Apply(Canceled("x1", "c", "o1", 90 * kDay)), ApplyOutcome::kFoldedOrder);
  EXPECT_EQ(l.Customer("c"), before);
  EXPECT_EQ(l.Customer("c").order_count, 2u);
  EXPECT_EQ(l.Customer("c").review_count, 1u);
}

TEST(EventApplierTest, EventsBeyondTheFoldedOrdersReachStillApply) {
  Ledger l(FoldPolicy{.horizon_ms = 100 * kDay, .max_orders = 500});
  l.Apply(Placed("p1", "c", "o1", 0, 10));
  l.Apply(Placed("p2", "c", "o2", 200 * kDay, 20));  // folds o1 (through day 0)
  // A placement after the folded orders' latest event is a new order, even one older than the
  // customer's latest event; a cancel or review more than the horizon after it likewise.
  EXPECT_EQ(l.Apply(Placed("p3", "c", "o3", 150 * kDay, 1)), ApplyOutcome::kApplied);
  EXPECT_EQ(l.Apply(Canceled("x9", "c", "o9", 101 * kDay)), ApplyOutcome::kApplied);
  EXPECT_EQ(l.Apply(Placed("p9", "c", "o9", 101 * kDay, 99)), ApplyOutcome::kApplied);
  EXPECT_EQ(l.Customer("c").order_count, 3u);  // o9 was canceled before it was placed
  EXPECT_DOUBLE_EQ(l.Customer("c").total_amount, 31);
}

TEST(EventApplierTest, CancelRecomputesRecencyWithTheFoldedOrders) {
  Ledger l(FoldPolicy{.horizon_ms = 100 * kDay, .max_orders = 500});
  l.Apply(Placed("p1", "c", "o1", 5 * kDay, 10));
  l.Apply(Placed("p2", "c", "o2", 150 * kDay, 20));  // folds o1
  l.Apply(Placed("p3", "c", "o3", 160 * kDay, 30));
  EXPECT_EQ(l.Apply(Canceled("x3", "c", "o3", 161 * kDay)), ApplyOutcome::kApplied);
  EXPECT_EQ(l.Customer("c").first_order_ms, 5 * kDay);  // the folded order still counts
  EXPECT_EQ(l.Customer("c").last_order_ms, 150 * kDay);
  EXPECT_EQ(l.Apply(Canceled("x2", "c", "o2", 162 * kDay)), ApplyOutcome::kApplied);
  EXPECT_EQ(l.Customer("c").first_order_ms, 5 * kDay);
  EXPECT_EQ(l.Customer("c").last_order_ms, 5 * kDay);
  EXPECT_EQ(l.Customer("c").order_count, 1u);
  EXPECT_DOUBLE_EQ(l.Customer("c").total_amount, 10);
}

TEST(EventApplierTest, AtMostMaxOrdersAreHeldTheOldestFoldFirst) {
  Ledger l(FoldPolicy{.horizon_ms = 1000 * kDay, .max_orders = 3});
  for (int i = 1; i <= 6; ++i) {
    l.Apply(Placed("p" + std::to_string(i), "c", "o" + std::to_string(i), i * kDay, i));
  }
  EXPECT_EQ(l.HeldOrders("c"), (std::vector<std::string>{"o4", "o5", "o6"}));
  EXPECT_EQ(l.Record("c").folded.orders, 3u);
  EXPECT_EQ(l.Record("c").folded.through_ms, 0);  // none past the horizon: known by id
  EXPECT_EQ(l.Record("c").folded.recent.size(), 3u);
  EXPECT_EQ(l.Customer("c").order_count, 6u);
  EXPECT_DOUBLE_EQ(l.Customer("c").total_amount, 21);
  // A review of a folded order, within the horizon of it: not applied.
  EXPECT_EQ(l.Apply(Review("r2", "c", "o2", 7 * kDay, 5)), ApplyOutcome::kFoldedOrder);
  EXPECT_EQ(l.Apply(Review("r5", "c", "o5", 7 * kDay, 5)), ApplyOutcome::kApplied);
  EXPECT_EQ(l.Customer("c").review_count, 1u);
  // A new order's cancel that comes before its placement is still remembered: the order never
  // counts (the cap folds o4 meanwhile).
  EXPECT_EQ(l.Apply(Canceled("x9", "c", "o9", 8 * kDay)), ApplyOutcome::kApplied);
  EXPECT_EQ(l.Apply(Placed("p9", "c", "o9", 7 * kDay, 100)), ApplyOutcome::kApplied);
  EXPECT_EQ(l.Customer("c").order_count, 6u);
  EXPECT_DOUBLE_EQ(l.Customer("c").total_amount, 21);
  // Once past the horizon, the cap-folded orders are known by time, like the others.
  l.Apply(Placed("p10", "c", "o10", 1010 * kDay, 1));
  EXPECT_TRUE(l.Record("c").folded.recent.empty());
  EXPECT_GT(l.Record("c").folded.through_ms, 0);
}

// Folding only forgets records: a history whose events come in time order, with cancels and
// reviews within the horizon of their order, gives the same state whatever the horizon.
TEST(EventApplierTest, FoldingNeverChangesTheStateOfAnOrderlyHistory) {
  std::mt19937_64 rng(11);
  std::vector<Event> events;
  std::vector<std::pair<int64_t, Event>> timed;
  for (int c = 0; c < 40; ++c) {
    const std::string customer = "c" + std::to_string(c);
    int64_t t = static_cast<int64_t>(rng() % 30) * kDay;
    const int orders = 1 + static_cast<int>(rng() % 12);
    for (int o = 0; o < orders; ++o) {
      const std::string order = customer + "-o" + std::to_string(o);
      t += static_cast<int64_t>(rng() % 90) * kDay + static_cast<int64_t>(rng() % kDay);
      timed.emplace_back(t, Placed(order + "/p", customer, order, t, double(rng() % 500) / 4));
      if (rng() % 3 == 0) {
        const int64_t r = t + static_cast<int64_t>(rng() % (20 * kDay));
        timed.emplace_back(r, Review(order + "/r", customer, order, r, 1 + int(rng() % 5)));
      }
      if (rng() % 7 == 0) {
        const int64_t x = t + static_cast<int64_t>(rng() % (5 * kDay));
        timed.emplace_back(x, Canceled(order + "/x", customer, order, x));
      }
    }
  }
  std::stable_sort(timed.begin(), timed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [t, e] : timed) events.push_back(e);
  Ledger folding(FoldPolicy{.horizon_ms = 30 * kDay, .max_orders = 100'000}),
      keeping(FoldPolicy{.horizon_ms = 100'000 * kDay, .max_orders = 100'000});
  size_t folded = 0;
  for (const Event& e : events) {
    EXPECT_EQ(folding.Apply(e), keeping.Apply(e)) << e.id;
  }
  for (int c = 0; c < 40; ++c) {
    const std::string customer = "c" + std::to_string(c);
    EXPECT_EQ(folding.Customer(customer), keeping.Customer(customer)) << customer;
    const CustomerRecord r = folding.Record(customer);
    folded += r.folded.orders;
    for (const OrderEntry& o : r.orders) EXPECT_GE(o.last_ms, r.state.updated_ms - 30 * kDay);
  }
  EXPECT_GT(folded, 100u);  // the test folds a lot, or it proves nothing
}

}  // namespace
}  // namespace segd
