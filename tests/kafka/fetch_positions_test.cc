// The consumer's positions as segd expects them: a delivery below the expected offset is an
// error, gaps above it are not.
#include "kafka/fetch_positions.h"

#include <gtest/gtest.h>

namespace segd {
namespace {

TEST(FetchPositionsTest, DeliveriesFromTheStartOffsetOnwardAreFine) {
  FetchPositions p;
  p.Start({"orders", 0}, 3700);
  EXPECT_TRUE(p.Deliver("orders", 0, 3700).ok());
  EXPECT_TRUE(p.Deliver("orders", 0, 3701).ok());
  EXPECT_TRUE(p.Deliver("orders", 0, 3705).ok());  // a gap: a transaction marker, compaction
  EXPECT_TRUE(p.ReachEnd("orders", 0, 3706).ok());
}

TEST(FetchPositionsTest, ADeliveryBelowTheStartOffsetNamesThePartitionAndBothOffsets) {
  FetchPositions p;
  p.Start({"orders", 0}, 10);
  p.Start({"orders", 1}, 3700);
  EXPECT_TRUE(p.Deliver("orders", 0, 10).ok());
  const Status s = p.Deliver("orders", 1, 0);  // librdkafka reset the position to the beginning
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("partition orders/1: the broker delivered offset 0, below segd's "
                             "next offset 3700"),
            std::string::npos)
      << s.message();
}

TEST(FetchPositionsTest, ADeliveryBelowTheLastDeliveredIsAnError) {
  FetchPositions p;
  p.Start({"orders", 0}, 0);
  for (int64_t o = 0; o < 5; ++o) ASSERT_TRUE(p.Deliver("orders", 0, o).ok());
  EXPECT_EQ(p.Deliver("orders", 0, 4).code(), StatusCode::kFailedPrecondition);
}

TEST(FetchPositionsTest, AnEndBelowTheExpectedOffsetIsAnError) {
  FetchPositions p;
  p.Start({"orders", 2}, 3700);
  const Status s = p.ReachEnd("orders", 2, 0);  // recreated empty, reset to its beginning
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("offset 0, below segd's next offset 3700"), std::string::npos);
}

TEST(FetchPositionsTest, ALogicalStartIsCheckedFromItsFirstDelivery) {
  FetchPositions p;
  p.Start({"orders", 0}, -2);  // the beginning: whatever the broker's oldest offset is
  EXPECT_TRUE(p.ReachEnd("orders", 0, 0).ok());
  EXPECT_TRUE(p.Deliver("orders", 0, 500).ok());
  EXPECT_EQ(p.Deliver("orders", 0, 499).code(), StatusCode::kFailedPrecondition);
}

TEST(FetchPositionsTest, ClearForgetsEveryPartition) {
  FetchPositions p;
  p.Start({"orders", 0}, 3700);
  EXPECT_TRUE(p.Deliver("orders", 0, 3700).ok());  // caches the entry
  p.Clear();
  p.Start({"orders", 0}, 0);  // assigned again, reset to 0 by `segd reset-offsets`
  EXPECT_TRUE(p.Deliver("orders", 0, 0).ok());
}

}  // namespace
}  // namespace segd
