#include "segd/state/state_codec.h"

#include <gtest/gtest.h>

namespace segd {
namespace {

TEST(StateCodecTest, CustomerStateRoundTrips) {
  CustomerState s{.first_order_ms = 1506941793000,
                  .last_order_ms = 1509941793123,
                  .order_count = 3,
                  .total_amount = 123.45,
                  .item_sum = 4,
                  .installment_sum = 7,
                  .review_score_sum = 14,
                  .review_count = 3,
                  .region = "SP",
                  .updated_ms = 1510000000000};
  std::string bytes;
  EncodeCustomerState(s, &bytes);
  CustomerState back;
  ASSERT_TRUE(DecodeCustomerState(bytes, &back).ok());
  EXPECT_EQ(back, s);
}

TEST(StateCodecTest, OrderRecordRoundTripsEveryFlagCombination) {
  for (int flags = 0; flags < 4; ++flags) {
    OrderRecord o{.placed = (flags & 1) != 0,
                  .canceled = (flags & 2) != 0,
                  .placed_ms = 42,
                  .amount = 0.1 + 0.2,
                  .items = 2,
                  .installments = 10,
                  .review_score = 5,
                  .review_ms = 43};
    std::string bytes;
    EncodeOrderRecord(o, &bytes);
    OrderRecord back;
    ASSERT_TRUE(DecodeOrderRecord(bytes, &back).ok());
    EXPECT_EQ(back, o);
  }
}

TEST(StateCodecTest, PartitionProgressRoundTrips) {
  PartitionProgress p{
      .next_offset = 99, .watermark_ms = 7, .applied = 90, .duplicates = 5, .rejected = 4};
  std::string bytes;
  EncodePartitionProgress(p, &bytes);
  PartitionProgress back;
  ASSERT_TRUE(DecodePartitionProgress(bytes, &back).ok());
  EXPECT_EQ(back, p);
}

TEST(StateCodecTest, RejectsUnknownVersionAndTruncation) {
  std::string bytes;
  EncodeCustomerState(CustomerState{}, &bytes);
  CustomerState s;
  std::string truncated = bytes.substr(0, bytes.size() - 1);
  EXPECT_EQ(DecodeCustomerState(truncated, &s).code(), StatusCode::kDataLoss);
  bytes[0] = 9;
  Status st = DecodeCustomerState(bytes, &s);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_NE(st.message().find("version 9"), std::string::npos);
  EXPECT_EQ(DecodeOrderRecord("", nullptr).code(), StatusCode::kDataLoss);
}

TEST(StateCodecTest, OrderKeysOfOneCustomerShareItsPrefixOnly) {
  const std::string a = OrderKey("cust", "o1");
  EXPECT_TRUE(a.starts_with(OrderKeyPrefix("cust")));
  // "cus" + "to1" must not fall into customer "cus"'s range: the length prefix separates them.
  EXPECT_FALSE(OrderKey("cust", "o1").starts_with(OrderKeyPrefix("cus")));
  EXPECT_NE(OrderKey("cus", "to1"), OrderKey("cust", "o1"));
}

TEST(StateCodecTest, PartitionKeyRoundTrips) {
  TopicPartition tp{"orders", 258};
  TopicPartition back;
  ASSERT_TRUE(DecodePartitionKey(PartitionKey(tp), &back).ok());
  EXPECT_EQ(back, tp);
  EXPECT_LT(PartitionKey({"orders", 2}), PartitionKey({"orders", 10}));
}

}  // namespace
}  // namespace segd
