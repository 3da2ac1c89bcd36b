#include "segd/state/state_codec.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace segd {
namespace {

TEST(StateCodecTest, FormatOneCustomerStateStillDecodes) {
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
  EncodeCustomerStateV1(s, &bytes);
  CustomerState back;
  ASSERT_TRUE(DecodeCustomerState(bytes, &back).ok());
  EXPECT_EQ(back, s);
  // A format-1 value is no record: ingest needs the migration first, and says so.
  CustomerRecord r;
  const Status st = DecodeCustomerRecord(bytes, &r);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_NE(st.message().find("segd migrate"), std::string::npos) << st.message();
}

CustomerRecord SampleRecord() {
  CustomerRecord r;
  r.state = {.first_order_ms = 1506941793000,
             .last_order_ms = 1509941793123,
             .order_count = 2,
             .total_amount = 0.1 + 0.2,
             .item_sum = 4,
             .installment_sum = 7,
             .review_score_sum = 9,
             .review_count = 2,
             .region = "SP",
             .updated_ms = 1510000000000};
  r.folded = {.orders = 3,
              .counted = 2,
              .through_ms = 1470000000000,
              .first_ms = 1460000000000,
              .last_ms = 1469999999999,
              .recent = {{7, 1509000000000}, {0xffffffffffffffffULL, 1510000000000}}};
  OrderEntry hex;  // an Olist-style id: stored as 16 bytes
  hex.order_id = "e481f51cbdc54678b7cc49136f2d6af7";
  hex.record = {.placed = true,
                .canceled = false,
                .placed_ms = 1506941793000,
                .amount = 38.71,
                .items = 1,
                .installments = 3,
                .review_score = 4,
                .review_ms = 1507941793000};
  hex.last_ms = 1507941793000;
  hex.event_ids = {EventIdHash("a/placed"), EventIdHash("a/review")};
  OrderEntry text;  // anything else: as it is, NUL bytes included
  text.order_id = std::string("Order-7\0x", 9);
  text.record = {.placed = false, .canceled = true};
  text.last_ms = 1510000000000;
  text.legacy = true;
  OrderEntry upper;  // upper-case hex is not packed (it would not come back the same)
  upper.order_id = "ABCD";
  upper.record = {.placed = true, .canceled = true, .placed_ms = 1509941793123, .amount = 1e9};
  upper.last_ms = 1509941793123;
  r.orders = {text, upper, hex};
  std::sort(r.orders.begin(), r.orders.end(),
            [](const OrderEntry& a, const OrderEntry& b) { return a.order_id < b.order_id; });
  return r;
}

TEST(StateCodecTest, CustomerRecordRoundTrips) {
  const CustomerRecord r = SampleRecord();
  std::string bytes;
  EncodeCustomerRecord(r, &bytes);
  CustomerRecord back;
  ASSERT_TRUE(DecodeCustomerRecord(bytes, &back).ok());
  EXPECT_EQ(back, r);
  CustomerState state;
  ASSERT_TRUE(DecodeCustomerState(bytes, &state).ok());
  EXPECT_EQ(state, r.state);
  // Compact: the state, three orders (five event-id hashes) and two cap-folded orders take
  // about what format 1 needed for the state and one order with its event id (70 + 33 + 41 +
  // 40 bytes, keys included).
  EXPECT_LT(bytes.size(), 180u);
}

TEST(StateCodecTest, TheAnnouncedSegmentIsATrailerOnlyWhenThereIsOne) {
  CustomerRecord r = SampleRecord();
  std::string without;
  EncodeCustomerRecord(r, &without);
  r.announced = {.segment = 7, .version = 300};
  std::string with;
  EncodeCustomerRecord(r, &with);
  ASSERT_GT(with.size(), without.size());
  EXPECT_EQ(with.substr(0, without.size()), without);  // records written before read the same
  CustomerRecord back;
  ASSERT_TRUE(DecodeCustomerRecord(with, &back).ok());
  EXPECT_EQ(back, r);
  ASSERT_TRUE(DecodeCustomerRecord(without, &back).ok());
  EXPECT_EQ(back.announced, SegmentMark{});
  EXPECT_EQ(back.announced.segment, -1);
  for (size_t n = without.size() + 1; n < with.size(); ++n) {
    EXPECT_EQ(DecodeCustomerRecord(std::string_view(with).substr(0, n), &back).code(),
              StatusCode::kDataLoss)
        << n;
  }
}

TEST(StateCodecTest, EveryTruncationOfARecordIsRejected) {
  std::string bytes;
  EncodeCustomerRecord(SampleRecord(), &bytes);
  for (size_t n = 0; n < bytes.size(); ++n) {
    CustomerRecord r;
    EXPECT_EQ(DecodeCustomerRecord(std::string_view(bytes).substr(0, n), &r).code(),
              StatusCode::kDataLoss)
        << n;
  }
  bytes.push_back('x');
  CustomerRecord r;
  EXPECT_EQ(DecodeCustomerRecord(bytes, &r).code(), StatusCode::kDataLoss);
}

TEST(StateCodecTest, EventIdHashIsStable) {
  // Stored in records: a change would turn every stored event into an unknown one. Values
  // computed independently (FNV-1a 64, then SplitMix64's finaliser, in Python).
  EXPECT_EQ(EventIdHash(""), 0xf52a15e9a9b5e89bULL);
  EXPECT_EQ(EventIdHash("e1"), 0xe0646ea9421d77e8ULL);
  EXPECT_EQ(EventIdHash("e481f51cbdc54678b7cc49136f2d6af7/placed"), 0xdd6076f6814c87b5ULL);
}

TEST(StateCodecTest, FormatOneOrderRecordRoundTripsEveryFlagCombination) {
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
    EncodeOrderRecordV1(o, &bytes);
    OrderRecord back;
    ASSERT_TRUE(DecodeOrderRecordV1(bytes, &back).ok());
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
  EncodeCustomerStateV1(CustomerState{}, &bytes);
  CustomerState s;
  std::string truncated = bytes.substr(0, bytes.size() - 1);
  EXPECT_EQ(DecodeCustomerState(truncated, &s).code(), StatusCode::kDataLoss);
  bytes[0] = 9;
  Status st = DecodeCustomerState(bytes, &s);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_NE(st.message().find("version 9"), std::string::npos);
  EXPECT_EQ(DecodeOrderRecordV1("", nullptr).code(), StatusCode::kDataLoss);
}

TEST(StateCodecTest, OrderKeysOfOneCustomerShareItsPrefixOnly) {
  const std::string a = OrderKeyV1("cust", "o1");
  EXPECT_TRUE(a.starts_with(OrderKeyPrefixV1("cust")));
  // "cus" + "to1" must not fall into customer "cus"'s range: the length prefix separates them.
  EXPECT_FALSE(OrderKeyV1("cust", "o1").starts_with(OrderKeyPrefixV1("cus")));
  EXPECT_NE(OrderKeyV1("cus", "to1"), OrderKeyV1("cust", "o1"));
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
