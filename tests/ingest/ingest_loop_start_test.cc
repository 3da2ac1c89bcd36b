// Where the ingest loop starts an assigned partition: its stored offset checked against the log
// range the source reports, and what it does when the check fails or cannot be made. A scripted
// MessageSource stands in for Kafka.
#include <gtest/gtest.h>

#include <thread>

#include "segd/ingest/ingest_loop.h"
#include "segd/state/memory_state_store.h"

namespace segd {
namespace {

const TopicPartition kTp{"orders", 0};

// Assigns orders/0 on the first poll and records the start offset the listener chose; answers
// QueryLogRange with `log` (or an error). Delivers nothing; stops the loop after a few polls.
class AssigningSource : public MessageSource {
 public:
  AssigningSource(PartitionListener* listener, StatusOr<LogRange> log, std::atomic<bool>* stop)
      : listener_(listener), log_(std::move(log)), stop_(stop) {}

  Status Poll(int, size_t, std::vector<RawMessage>*) override {
    if (polls_++ == 0) {
      std::vector<int64_t> offsets;
      SEGD_RETURN_IF_ERROR(listener_->OnAssigned({kTp}, &offsets));
      start = offsets.at(0);
    }
    if (polls_ > 5) stop_->store(true);
    return Status::Ok();
  }
  StatusOr<LogRange> QueryLogRange(const TopicPartition& tp, int timeout_ms) override {
    EXPECT_EQ(tp, kTp);
    EXPECT_GT(timeout_ms, 0);
    return log_;
  }
  void CommitForMonitoring(const std::vector<std::pair<TopicPartition, int64_t>>&) override {}
  std::vector<TopicPartition> Assignment() const override {
    return polls_ > 0 ? std::vector<TopicPartition>{kTp} : std::vector<TopicPartition>{};
  }
  std::optional<int64_t> ReachedEnd(const TopicPartition&) const override { return std::nullopt; }
  std::optional<int64_t> MeasuredEndOffset(const TopicPartition&) const override {
    return std::nullopt;
  }
  bool BrokersReachable() const override { return true; }
  void Pause(const std::vector<TopicPartition>&) override {}
  void Resume(const std::vector<TopicPartition>&) override {}
  Status Close() override { return Status::Ok(); }

  std::optional<int64_t> start;  // the offset OnAssigned chose

 private:
  PartitionListener* listener_;
  StatusOr<LogRange> log_;
  std::atomic<bool>* stop_;
  int polls_ = 0;
};

class IngestLoopStartTest : public ::testing::Test {
 protected:
  void Store(int64_t next_offset) {
    StateDelta d;
    d.progress.push_back({kTp, {.next_offset = next_offset, .applied = 3700}});
    ASSERT_TRUE(store_.Commit(d).ok());
  }

  // Runs the loop once over the scripted assignment; the source keeps the chosen offset.
  Status Run(StatusOr<LogRange> log, StartOffsetPolicy policy = {}) {
    EXPECT_TRUE(pipeline_.Load().ok());
    IngestLoop loop({.poll_timeout_ms = 1, .start_policy = policy}, &pipeline_);
    std::atomic<bool> stop{false};
    source_ = std::make_unique<AssigningSource>(&loop, std::move(log), &stop);
    Status s = loop.Run(source_.get(), stop);
    reason_ = loop.not_ready_reason();
    return s;
  }

  std::vector<std::pair<TopicPartition, PartitionProgress>> StoredProgress() {
    std::vector<std::pair<TopicPartition, PartitionProgress>> out;
    EXPECT_TRUE(store_.ReadProgress(&out).ok());
    return out;
  }

  MemoryStateStore store_;
  CountingDeadLetterSink dlq_;
  IngestStats stats_;
  IngestPipeline pipeline_{{}, &store_, &dlq_, &stats_, [] { return int64_t(1577836800000); }};
  std::unique_ptr<AssigningSource> source_;
  std::string reason_;
};

TEST_F(IngestLoopStartTest, StoredOffsetInsideTheLogIsWhereConsumptionResumes) {
  Store(3700);
  ASSERT_TRUE(Run(LogRange{.low = 100, .high = 5000}).ok());
  EXPECT_EQ(source_->start, 3700);
  EXPECT_EQ(reason_, "");
}

TEST_F(IngestLoopStartTest, StoredOffsetBeyondTheLogEndStopsWithTheReasonInReadiness) {
  Store(3700);  // the topic was recreated: its log now ends at 50
  const Status s = Run(LogRange{.low = 0, .high = 50});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("partition orders/0: segd's next offset is 3700, beyond the end "
                             "offset 50"),
            std::string::npos)
      << s.message();
  EXPECT_FALSE(source_->start.has_value());  // nothing assigned
  EXPECT_EQ(reason_, "stopped: " + s.ToString());
  ASSERT_EQ(StoredProgress().size(), 1u);
  EXPECT_EQ(StoredProgress()[0].second.next_offset, 3700);  // untouched
}

TEST_F(IngestLoopStartTest, NewPartitionCutByRetentionStopsUnlessAccepted) {
  const Status s = Run(LogRange{.low = 12500, .high = 34000});
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("history cut by retention: partition orders/0 starts at offset "
                             "12500, segd has no state before it"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(stats_.history_gaps_accepted.load(), 0u);
}

TEST_F(IngestLoopStartTest, AcceptedHistoryGapStartsAtTheOldestOffsetAndIsCounted) {
  ASSERT_TRUE(Run(LogRange{.low = 12500, .high = 34000}, {.accept_history_gap = true}).ok());
  EXPECT_EQ(source_->start, 12500);
  EXPECT_EQ(stats_.history_gaps_accepted.load(), 1u);
}

TEST_F(IngestLoopStartTest, WithoutAnAnswerFromTheBrokerPartitionsStartUnchecked) {
  Store(3700);
  ASSERT_TRUE(Run(Unavailable("watermarks: Local: Timed out")).ok());
  EXPECT_EQ(source_->start, 3700);  // the source's checks on fetch apply from there
}

TEST_F(IngestLoopStartTest, WithoutAnAnswerANewPartitionStartsAtTheBeginning) {
  ASSERT_TRUE(Run(Unavailable("watermarks: Local: Timed out")).ok());
  EXPECT_EQ(source_->start, kOffsetBeginning);
}

}  // namespace
}  // namespace segd
