#include "segd/replay/olist_csv_reader.h"

#include <gtest/gtest.h>

#include "segd/event/event_time.h"

namespace segd {
namespace {

const std::string kFixture = std::string(SEGD_SOURCE_DIR) + "/tests/fixtures/olist";

int64_t SaoPaulo(const std::string& local) { return ParseRfc3339Ms(local + "-03:00").value(); }

struct Expected {
  EventType type;
  std::string id, subject, order_id;
  int64_t time_ms;
  double amount = 0;
  int items = 1, installments = 1;
  std::string payment_type, region;
  int score = 0;
};

TEST(OlistCsvReaderTest, MapsTheFixtureAsTheContractSays) {
  OlistReport report;
  auto events = ReadOlistEvents(kFixture, &report);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  const std::vector<Expected> want = {
      // Two payments: amount is their sum, type the larger one's.
      {EventType::kOrderPlaced, "o1/placed", "u1", "o1", SaoPaulo("2017-10-02T10:56:33"), 20.12, 1,
       1, "credit_card", "SP"},
      // Multi-line quoted comment with commas and doubled quotes parses as one row.
      {EventType::kReviewSubmitted, "r1/o1", "u1", "o1", SaoPaulo("2017-10-11T00:00:00"), 0, 1, 1,
       "", "", 4},
      {EventType::kOrderPlaced, "o2/placed", "u2", "o2", SaoPaulo("2018-01-10T09:00:00"), 99.9, 1,
       1, "boleto", "RJ"},
      // Canceled with order_approved_at: the cancel happens then.
      {EventType::kOrderCanceled, "o2/canceled", "u2", "o2", SaoPaulo("2018-01-10T09:30:00")},
      // Review id reused by Olist for another order: the event id pairs it with the order.
      {EventType::kReviewSubmitted, "r1/o2", "u2", "o2", SaoPaulo("2018-01-20T00:00:00"), 0, 1, 1,
       "", "", 1},
      // Another customer_id of the same customer_unique_id; no payment, no items.
      {EventType::kOrderPlaced, "o3/placed", "u1", "o3", SaoPaulo("2018-02-01T12:00:00"), 0, 1, 1,
       "", "SP"},
      // Unavailable without approval: canceled one hour after purchase.
      {EventType::kOrderCanceled, "o3/canceled", "u1", "o3", SaoPaulo("2018-02-01T13:00:00")},
      // Three item rows; installments is the largest over payments.
      {EventType::kOrderPlaced, "o4/placed", "u1", "o4", SaoPaulo("2018-03-05T08:15:00"), 120.5, 3,
       3, "credit_card", "SP"},
      {EventType::kReviewSubmitted, "r2/o4", "u1", "o4", SaoPaulo("2018-03-10T00:00:00"), 0, 1, 1,
       "", "", 5},
  };
  ASSERT_EQ(events->size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const Event& e = (*events)[i];
    const Expected& w = want[i];
    SCOPED_TRACE(w.id);
    EXPECT_EQ(e.type, w.type);
    EXPECT_EQ(e.id, w.id);
    EXPECT_EQ(e.subject, w.subject);
    EXPECT_EQ(e.order_id, w.order_id);
    EXPECT_EQ(e.time_ms, w.time_ms);
    if (w.type == EventType::kOrderPlaced) {
      EXPECT_DOUBLE_EQ(e.amount, w.amount);
      EXPECT_EQ(e.items, w.items);
      EXPECT_EQ(e.installments, w.installments);
      EXPECT_EQ(e.payment_type, w.payment_type);
      EXPECT_EQ(e.region, w.region);
    }
    if (w.type == EventType::kReviewSubmitted) {
      EXPECT_EQ(e.score, w.score);
    }
  }
  EXPECT_EQ(report.orders, 5);
  EXPECT_EQ(report.orders_without_purchase_time, 1);  // o5
  EXPECT_EQ(report.orders_without_payment, 1);        // o3
  EXPECT_EQ(report.reviews, 4);
  EXPECT_EQ(report.reviews_skipped, 1);  // r9 names an unknown order
}

TEST(OlistCsvReaderTest, MissingFileIsNamed) {
  OlistReport report;
  auto events = ReadOlistEvents("/nonexistent", &report);
  ASSERT_FALSE(events.ok());
  EXPECT_NE(events.status().message().find("olist_customers_dataset.csv"), std::string::npos);
}

}  // namespace
}  // namespace segd
