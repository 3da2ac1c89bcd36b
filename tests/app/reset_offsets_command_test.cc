// What `segd reset-offsets` plans for each partition, from the broker's log ranges and the
// stored progress (the command itself runs in LogOffsetsTest).
#include "app/reset_offsets_command.h"

#include <gtest/gtest.h>

namespace segd {
namespace {

const std::vector<PartitionLogRange> kLogs = {
    {0, {.low = 0, .high = 25}}, {1, {.low = 10, .high = 30}}, {2, {.low = 0, .high = 0}}};

PartitionProgress Stored(int64_t next_offset) {
  return {.next_offset = next_offset,
          .watermark_ms = 1500000000000,
          .applied = 3700,
          .duplicates = 4,
          .rejected = 2};
}

const std::vector<std::pair<TopicPartition, PartitionProgress>> kStored = {
    {{"orders", 0}, Stored(3712)}, {{"orders", 1}, Stored(3690)}, {{"other", 2}, Stored(9)}};

TEST(PlanOffsetResetsTest, EarliestMovesStoredPartitionsToTheLogStartKeepingCounters) {
  auto plan = PlanOffsetResets("orders", "earliest", {}, kLogs, kStored);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->size(), 3u);
  EXPECT_EQ((*plan)[0].tp, (TopicPartition{"orders", 0}));
  EXPECT_EQ((*plan)[0].before, Stored(3712));
  PartitionProgress expected = Stored(3712);
  expected.next_offset = 0;
  EXPECT_EQ((*plan)[0].after, expected);
  EXPECT_EQ((*plan)[1].after->next_offset, 10);
  EXPECT_EQ((*plan)[1].after->applied, 3700u);
  // orders/2 was never consumed: left alone (segd starts it at its oldest offset anyway).
  EXPECT_FALSE((*plan)[2].before.has_value());
  EXPECT_FALSE((*plan)[2].after.has_value());
}

TEST(PlanOffsetResetsTest, LatestMovesToTheLogEnd) {
  auto plan = PlanOffsetResets("orders", "latest", {1}, kLogs, kStored);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ((*plan)[0].tp, (TopicPartition{"orders", 1}));
  EXPECT_EQ((*plan)[0].after->next_offset, 30);
}

TEST(PlanOffsetResetsTest, AnExplicitOffsetAlsoGivesNeverConsumedPartitionsProgress) {
  auto plan = PlanOffsetResets("orders", "0", {0, 2}, kLogs, kStored);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->size(), 2u);
  EXPECT_EQ((*plan)[0].after->next_offset, 0);
  EXPECT_EQ((*plan)[0].after->applied, 3700u);
  EXPECT_FALSE((*plan)[1].before.has_value());
  EXPECT_EQ((*plan)[1].after, PartitionProgress{});  // next offset 0, no counters
}

TEST(PlanOffsetResetsTest, AnOffsetOutsideALogIsRefused) {
  auto plan = PlanOffsetResets("orders", "5", {}, kLogs, kStored);  // partition 1 starts at 10
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(plan.status().message(), "--to 5: partition orders/1 holds offsets 10..30");
}

TEST(PlanOffsetResetsTest, BadTargetsAndUnknownPartitionsAreRefused) {
  EXPECT_EQ(PlanOffsetResets("orders", "oldest", {}, kLogs, kStored).status().message(),
            "--to: expected earliest, latest or an offset >= 0, got 'oldest'");
  EXPECT_EQ(PlanOffsetResets("orders", "-3", {}, kLogs, kStored).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PlanOffsetResets("orders", "earliest", {7}, kLogs, kStored).status().message(),
            "--partition 7: topic orders has 3 partition(s)");
}

}  // namespace
}  // namespace segd
