// The event-time schedule: the pipeline cuts its micro-batch before the first event at or past
// each boundary, so the listener sees exactly the events before the boundary, committed, and
// that holds whatever the batch sizes (including boundaries jumped over by one event).
#include <gtest/gtest.h>

#include <algorithm>

#include "segd/ingest/ingest_pipeline.h"
#include "segd/replay/olist_generator.h"
#include "segd/state/memory_state_store.h"
#include "testing/test_history.h"

namespace segd {
namespace {

const int64_t kNow = ParseRfc3339Ms("2030-01-01T00:00:00Z").value();
constexpr int64_t kWeek = 7 * kMillisPerDay;

struct Seen {
  int64_t boundary_ms;
  uint64_t committed_messages;  // every partition's next offset, summed
  int64_t watermark_ms;         // committed
  bool operator==(const Seen&) const = default;
};

class RecordingListener : public EventTimeBoundaryListener {
 public:
  RecordingListener(StateStore* store, IngestPipeline** pipeline)
      : store_(store), pipeline_(pipeline) {}
  StatusOr<bool> OnBoundary(int64_t boundary_ms) override {
    std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
    SEGD_RETURN_IF_ERROR(store_->ReadProgress(&progress));
    uint64_t messages = 0;
    for (const auto& [tp, p] : progress) messages += uint64_t(p.next_offset);
    seen.push_back({boundary_ms, messages, (*pipeline_)->watermark_ms()});
    return false;
  }
  std::vector<Seen> seen;

 private:
  StateStore* store_;
  IngestPipeline** pipeline_;
};

// Events in time order over ~5 months, with a gap of three weeks in the middle (one event
// jumps over several boundaries).
std::vector<RawMessage> History() {
  GeneratorOptions g{.seed = 5, .customers = 400};
  g.start_ms = *ParseRfc3339Ms("2017-01-01T00:00:00Z");
  g.end_ms = *ParseRfc3339Ms("2017-06-01T00:00:00Z");
  std::vector<RawMessage> out;
  const int64_t gap_from = *ParseRfc3339Ms("2017-03-01T00:00:00Z");
  const int64_t gap_to = *ParseRfc3339Ms("2017-03-22T00:00:00Z");
  EXPECT_TRUE(OlistGenerator(g)
                  .Generate([&](const Event& e) {
                    if (e.time_ms >= gap_from && e.time_ms < gap_to) return Status::Ok();
                    out.push_back({"orders", 0, int64_t(out.size()), true, e.subject,
                                   testing::ToContractJson(e)});
                    return Status::Ok();
                  })
                  .ok());
  return out;
}

std::vector<Seen> Replay(const std::vector<RawMessage>& messages, size_t chunk, size_t batch) {
  MemoryStateStore store;
  CountingDeadLetterSink dlq;
  IngestStats stats;
  IngestPipeline pipeline({}, &store, &dlq, &stats, [] { return kNow; });
  IngestPipeline* p = &pipeline;
  RecordingListener listener(&store, &p);
  pipeline.SetBoundaryListener(kWeek, &listener);
  EXPECT_TRUE(pipeline.Load().ok());
  for (size_t i = 0; i < messages.size(); i += chunk) {
    const size_t n = std::min(chunk, messages.size() - i);
    EXPECT_TRUE(pipeline.Process(std::span(messages).subspan(i, n), batch).ok());
  }
  return listener.seen;
}

int64_t TimeOf(const RawMessage& m) {
  Event e;
  EventDecoder decoder(DecoderOptions{});
  const std::string_view key(m.key);
  EXPECT_FALSE(decoder.Decode(&key, m.value, kNow, &e).has_value());
  return e.time_ms;
}

TEST(EventTimeBoundaryTest, ListenerSeesExactlyTheEventsBeforeEachBoundary) {
  const auto messages = History();
  ASSERT_GT(messages.size(), 300u);
  const auto seen = Replay(messages, messages.size(), SIZE_MAX);
  const int64_t first = TimeOf(messages.front()), last = TimeOf(messages.back());
  // Every boundary between the first and the last event, once, in order.
  std::vector<int64_t> expected;
  for (int64_t b = BoundaryAfter(first, kWeek); b <= last; b += kWeek) expected.push_back(b);
  ASSERT_EQ(seen.size(), expected.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].boundary_ms, expected[i]);
    // Committed: exactly the messages before the first one at or past the boundary.
    const auto past = std::find_if(messages.begin(), messages.end(),
                                   [&](const RawMessage& m) { return TimeOf(m) >= expected[i]; });
    EXPECT_EQ(seen[i].committed_messages, uint64_t(past - messages.begin())) << i;
    EXPECT_LT(seen[i].watermark_ms, expected[i]);
  }
  // The three-week gap: one event crossed three boundaries, all reported on the same state.
  size_t same_state = 0;
  for (size_t i = 1; i < seen.size(); ++i) {
    same_state += seen[i].committed_messages == seen[i - 1].committed_messages;
  }
  EXPECT_EQ(same_state, 2u);
}

TEST(EventTimeBoundaryTest, BatchSizesAndPollChunksDoNotMoveTheCuts) {
  const auto messages = History();
  const auto whole = Replay(messages, messages.size(), SIZE_MAX);
  EXPECT_EQ(Replay(messages, messages.size(), 1), whole);
  EXPECT_EQ(Replay(messages, 97, 13), whole);
  EXPECT_EQ(Replay(messages, 1, SIZE_MAX), whole);
}

TEST(EventTimeBoundaryTest, ARestartResumesTheScheduleWithoutRepeatingOrSkipping) {
  const auto messages = History();
  const auto whole = Replay(messages, messages.size(), SIZE_MAX);
  MemoryStateStore store;
  CountingDeadLetterSink dlq;
  IngestStats stats;
  std::vector<Seen> seen;
  const size_t half = messages.size() / 2;
  for (auto part : {std::span(messages).first(half), std::span(messages).subspan(half)}) {
    IngestPipeline pipeline({}, &store, &dlq, &stats, [] { return kNow; });
    IngestPipeline* p = &pipeline;
    RecordingListener listener(&store, &p);
    pipeline.SetBoundaryListener(kWeek, &listener);
    ASSERT_TRUE(pipeline.Load().ok());
    ASSERT_TRUE(pipeline.Process(part, 50).ok());
    seen.insert(seen.end(), listener.seen.begin(), listener.seen.end());
  }
  EXPECT_EQ(seen, whole);
}

}  // namespace
}  // namespace segd
