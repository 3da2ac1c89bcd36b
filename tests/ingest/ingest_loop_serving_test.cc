// Which assigned partitions the ingest loop reports as served (consumed to their end since the
// assignment): the cluster answers lookups only for those. A scripted MessageSource stands in
// for Kafka.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "segd/ingest/ingest_loop.h"
#include "segd/state/memory_state_store.h"
#include "testing/test_history.h"

namespace segd {
namespace {

// Assigns orders/0 and orders/1 on the first poll, hands out `messages` (all of partition 0)
// at once, and reports partition ends: 0 at `end0` (once everything is handed out), 1 at 0
// (empty). Stops the loop after ~1 s of polls.
class ScriptedSource : public MessageSource {
 public:
  ScriptedSource(PartitionListener* listener, std::vector<RawMessage> messages, int64_t end0,
                 std::atomic<bool>* stop)
      : listener_(listener), messages_(std::move(messages)), end0_(end0), stop_(stop) {}

  Status Poll(int timeout_ms, size_t max_messages, std::vector<RawMessage>* out) override {
    if (polls_++ == 0) {
      std::vector<int64_t> offsets;
      SEGD_RETURN_IF_ERROR(listener_->OnAssigned(assignment_, &offsets));
    }
    for (; next_ < messages_.size() && out->size() < max_messages; ++next_) {
      out->push_back(messages_[next_]);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
    if (polls_ > 1000 / timeout_ms) stop_->store(true);
    return Status::Ok();
  }
  void CommitForMonitoring(const std::vector<std::pair<TopicPartition, int64_t>>&) override {}
  std::vector<TopicPartition> Assignment() const override { return assignment_; }
  std::optional<int64_t> ReachedEnd(const TopicPartition& tp) const override {
    if (tp.partition == 1) return 0;
    if (next_ < messages_.size()) return std::nullopt;
    return end0_;
  }
  std::optional<int64_t> MeasuredEndOffset(const TopicPartition&) const override {
    return std::nullopt;
  }
  StatusOr<LogRange> QueryLogRange(const TopicPartition& tp, int) override {
    return LogRange{.low = 0, .high = tp.partition == 0 ? end0_ : 0};
  }
  bool BrokersReachable() const override { return true; }
  void Pause(const std::vector<TopicPartition>&) override {}
  void Resume(const std::vector<TopicPartition>&) override {}
  Status Close() override { return Status::Ok(); }

 private:
  PartitionListener* listener_;
  std::vector<RawMessage> messages_;
  int64_t end0_;
  std::atomic<bool>* stop_;
  const std::vector<TopicPartition> assignment_ = {{"orders", 0}, {"orders", 1}};
  size_t next_ = 0;
  int polls_ = 0;
};

class IngestLoopServingTest : public ::testing::Test {
 protected:
  // Runs the loop over a history on partition 0 whose end is `missing` offsets past it.
  PartitionServing Run(int64_t missing) {
    const auto history = testing::MakeHistory(20, 3);
    const int64_t end0 = int64_t(history.size()) + missing;
    std::vector<RawMessage> messages;
    for (size_t i = 0; i < history.size(); ++i) {
      messages.push_back({"orders", 0, int64_t(i), true, history[i].key, history[i].json});
    }
    EXPECT_TRUE(pipeline_.Load().ok());
    IngestLoop loop({.batch_max_events = 10, .batch_linger_ms = 1, .poll_timeout_ms = 20},
                    &pipeline_);
    std::atomic<bool> stop{false};
    ScriptedSource source(&loop, messages, end0, &stop);
    EXPECT_TRUE(loop.Run(&source, stop).ok());
    return loop.serving();
  }

  MemoryStateStore store_;
  CountingDeadLetterSink dlq_;
  IngestStats stats_;
  IngestPipeline pipeline_{{}, &store_, &dlq_, &stats_, [] { return int64_t(1577836800000); }};
};

TEST_F(IngestLoopServingTest, PartitionsConsumedToTheirEndAreServed) {
  const PartitionServing s = Run(0);
  EXPECT_EQ(s.generation, 1u);
  EXPECT_EQ(s.assigned, (std::vector<TopicPartition>{{"orders", 0}, {"orders", 1}}));
  std::vector<TopicPartition> served = s.served;
  std::sort(served.begin(), served.end());
  EXPECT_EQ(served, s.assigned);
}

TEST_F(IngestLoopServingTest, APartitionBehindItsEndIsNotServed) {
  // The partition ends 20 offsets past what was consumed (the rest is still being fetched).
  const PartitionServing s = Run(20);
  EXPECT_EQ(s.served, (std::vector<TopicPartition>{{"orders", 1}}));
}

}  // namespace
}  // namespace segd
