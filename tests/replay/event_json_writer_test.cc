#include "segd/replay/event_json_writer.h"

#include <gtest/gtest.h>

#include "segd/event/event_decoder.h"
#include "segd/event/event_time.h"

namespace segd {
namespace {

TEST(EventJsonWriterTest, EscapesStrings) {
  std::string out;
  AppendJsonString("a\"b\\c\nd\x01 é", &out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001 é\"");
}

// What the writer produces, segd's decoder reads back into the same event.
TEST(EventJsonWriterTest, RoundTripsThroughTheDecoder) {
  Event placed;
  placed.type = EventType::kOrderPlaced;
  placed.id = "o1/placed";
  placed.source = "/shop";
  placed.subject = "cust \"7\"";
  placed.order_id = "o1";
  placed.time_ms = ParseRfc3339Ms("2017-10-02T10:56:33.25Z").value();
  placed.amount = 0.1 + 0.2;  // needs all 17 digits to round-trip
  placed.items = 3;
  placed.installments = 10;
  placed.payment_type = "boleto";
  placed.region = "SP";
  Event review = placed;
  review.type = EventType::kReviewSubmitted;
  review.id = "o1/review";
  review.score = 2;
  review.amount = 0;
  review.items = review.installments = 1;
  review.payment_type = review.region = "";
  EventDecoder decoder;
  for (const Event& e : {placed, review}) {
    for (int offset : {0, -180}) {
      std::string json;
      AppendEventJson(e, &json, offset);
      std::string_view key(e.subject);
      Event back;
      auto r = decoder.Decode(&key, json, placed.time_ms, &back);
      ASSERT_FALSE(r.has_value()) << r->detail << " in " << json;
      EXPECT_EQ(back.type, e.type);
      EXPECT_EQ(back.id, e.id);
      EXPECT_EQ(back.subject, e.subject);
      EXPECT_EQ(back.time_ms, e.time_ms);
      EXPECT_EQ(back.amount, e.amount);  // bit-exact
      EXPECT_EQ(back.items, e.items);
      EXPECT_EQ(back.installments, e.installments);
      EXPECT_EQ(back.payment_type, e.payment_type);
      EXPECT_EQ(back.region, e.region);
      EXPECT_EQ(back.score, e.score);
    }
  }
}

}  // namespace
}  // namespace segd
