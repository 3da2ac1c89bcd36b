// Where a newly assigned partition starts, from segd's progress and the broker's log range.
#include "segd/ingest/start_offset.h"

#include <gtest/gtest.h>

namespace segd {
namespace {

const TopicPartition kTp{"orders", 3};

PartitionProgress At(int64_t next_offset) {
  PartitionProgress p;
  p.next_offset = next_offset;
  p.applied = 7;
  return p;
}

TEST(ChooseStartOffsetTest, StoredOffsetInsideTheLogIsKept) {
  for (int64_t stored : {100, 150, 200}) {  // low, inside, high (caught up)
    auto start = ChooseStartOffset(kTp, At(stored), {.low = 100, .high = 200}, {});
    ASSERT_TRUE(start.ok()) << start.status().ToString();
    EXPECT_EQ(start->offset, stored);
    EXPECT_EQ(start->history_gap, 0);
  }
}

TEST(ChooseStartOffsetTest, StoredOffsetBeyondTheEndIsAnErrorNamingBothOffsets) {
  // The topic was recreated: segd consumed up to 3700, the new log ends at 50.
  auto start = ChooseStartOffset(kTp, At(3700), {.low = 0, .high = 50}, {});
  ASSERT_FALSE(start.ok());
  EXPECT_EQ(start.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(start.status().message(),
            "partition orders/3: segd's next offset is 3700, beyond the end offset 50 of the "
            "broker's log (topic recreated or partition truncated?); nothing of the new log was "
            "applied; if the new log is to be accepted, stop segd and run `segd reset-offsets "
            "--topic orders --to earliest` (README: Offsets that go backwards)");
  // Accepting history gaps does not accept a log that went backwards.
  auto accepted =
      ChooseStartOffset(kTp, At(3700), {.low = 0, .high = 50}, {.accept_history_gap = true});
  EXPECT_EQ(accepted.status().code(), StatusCode::kFailedPrecondition);
}

TEST(ChooseStartOffsetTest, StoredOffsetBeforeTheLogStartIsDataLoss) {
  for (bool accept : {false, true}) {
    auto start =
        ChooseStartOffset(kTp, At(40), {.low = 90, .high = 500}, {.accept_history_gap = accept});
    ASSERT_FALSE(start.ok());
    EXPECT_EQ(start.status().code(), StatusCode::kDataLoss);
    EXPECT_EQ(start.status().message(),
              "partition orders/3: segd's next offset is 40 but the broker's log holds offsets "
              "90..500: events were deleted by retention before segd applied them; to go on "
              "without them, stop segd and run `segd reset-offsets --topic orders --to "
              "earliest`");
  }
}

TEST(ChooseStartOffsetTest, NewPartitionWithItsWholeHistoryStartsAtZero) {
  for (int64_t high : {0, 1, 20000}) {
    auto start = ChooseStartOffset(kTp, std::nullopt, {.low = 0, .high = high}, {});
    ASSERT_TRUE(start.ok()) << start.status().ToString();
    EXPECT_EQ(start->offset, 0);
    EXPECT_EQ(start->history_gap, 0);
  }
}

TEST(ChooseStartOffsetTest, NewPartitionCutByRetentionIsDataLossByDefault) {
  auto start = ChooseStartOffset(kTp, std::nullopt, {.low = 12500, .high = 34000}, {});
  ASSERT_FALSE(start.ok());
  EXPECT_EQ(start.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(start.status().message(),
            "history cut by retention: partition orders/3 starts at offset 12500, segd has no "
            "state before it (offsets 0..12499 were deleted); restore the state, or set "
            "kafka.accept_history_gap: true to start without those events");
}

TEST(ChooseStartOffsetTest, AcceptedHistoryGapStartsAtTheOldestRetainedOffset) {
  auto start = ChooseStartOffset(kTp, std::nullopt, {.low = 12500, .high = 34000},
                                 {.accept_history_gap = true});
  ASSERT_TRUE(start.ok()) << start.status().ToString();
  EXPECT_EQ(start->offset, 12500);
  EXPECT_EQ(start->history_gap, 12500);
}

TEST(ChooseStartOffsetTest, EmptyLogWhoseStartMovedOnIsStillAHistoryGap) {
  // Everything ever written was deleted (low == high > 0).
  auto start = ChooseStartOffset(kTp, std::nullopt, {.low = 800, .high = 800}, {});
  EXPECT_EQ(start.status().code(), StatusCode::kDataLoss);
}

TEST(LogWentBackwardsTest, NamesThePartitionAndBothOffsets) {
  const Status s = LogWentBackwards(kTp, 0, 3712);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "partition orders/3: the broker delivered offset 0, below segd's next offset 3712 "
            "(the log went backwards: topic recreated or partition truncated); nothing of it "
            "was applied; if the new log is to be accepted, stop segd and run `segd "
            "reset-offsets --topic orders --to earliest` (README: Offsets that go backwards)");
}

TEST(PositionOutsideLogTest, APositionInsideTheLogIsABug) {
  EXPECT_EQ(PositionOutsideLog(kTp, 5, {.low = 0, .high = 10}).code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace segd
