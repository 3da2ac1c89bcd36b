// The pipeline against the in-memory store: the live model's determinism and transactions.
#include "segd/ingest/ingest_pipeline.h"

#include <gtest/gtest.h>

#include "segd/model/baseline_trainer.h"
#include "testing/test_history.h"

namespace segd {
namespace {

const int64_t kNow = ParseRfc3339Ms("2020-01-01T00:00:00Z").value();

// Accepts dead letters; the first `failures` flushes fail (broker unavailable).
class FlakyDeadLetters : public DeadLetterSink {
 public:
  explicit FlakyDeadLetters(int failures) : failures_(failures) {}
  Status Send(const RawMessage&, const Rejection&) override { return Status::Ok(); }
  Status Flush() override { return failures_-- > 0 ? Unavailable("broker down") : Status::Ok(); }

 private:
  int failures_;
};

std::vector<RawMessage> Messages(const std::vector<testing::KeyedEvent>& events) {
  std::vector<RawMessage> out;
  for (size_t i = 0; i < events.size(); ++i) {
    out.push_back({"orders", 0, int64_t(i), true, events[i].key, events[i].json});
  }
  out.push_back({"orders", 0, int64_t(events.size()), true, "k", "{not json"});  // a dead letter
  return out;
}

struct Store {
  MemoryStateStore store;
  IngestStats stats;
};

// Ingests the first part without a baseline, fits one, then ingests the rest in batches of
// `batch` messages (retrying a batch whose dead letters failed). Returns the stored live model.
std::string LiveAfter(const std::vector<RawMessage>& messages, size_t split, size_t batch,
                      int dlq_failures) {
  Store r;
  FlakyDeadLetters dlq(dlq_failures);
  const LiveOptions live{.batch_events = 50};
  {
    IngestPipeline p({}, &r.store, &dlq, &r.stats, [] { return kNow; });
    EXPECT_TRUE(p.Load(live).ok());
    EXPECT_TRUE(p.Process(std::span(messages).first(split)).ok());
  }
  auto baseline = TrainBaseline(r.store, ParseRfc3339Ms("2017-06-01T00:00:00Z").value(),
                                FeatureSpec::Default(), {.k = 3, .n_init = 2, .seed = 4}, nullptr);
  EXPECT_TRUE(baseline.ok()) << baseline.status().ToString();
  EXPECT_TRUE(SaveBaseline(r.store, *baseline, 3).ok());
  IngestPipeline p({}, &r.store, &dlq, &r.stats, [] { return kNow; });
  EXPECT_TRUE(p.Load(live).ok());
  EXPECT_TRUE(p.live().has_baseline());
  for (size_t i = split; i < messages.size(); i += batch) {
    const auto part = std::span(messages).subspan(i, std::min(batch, messages.size() - i));
    Status s = p.Process(part);
    while (s.code() == StatusCode::kUnavailable) s = p.Process(part);  // retry as the loop does
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_GT(p.live().model().updates(), 5u);
  auto blob = r.store.GetMeta("model/live");
  EXPECT_TRUE(blob.ok() && blob->has_value());
  return blob.ok() && *blob ? **blob : "";
}

TEST(IngestPipelineTest, LiveModelDependsOnlyOnTheEventSequence) {
  const auto messages = Messages(testing::MakeHistory(600, 21));
  const size_t split = messages.size() / 3;
  const std::string one_by_one = LiveAfter(messages, split, 1, 0);
  EXPECT_EQ(LiveAfter(messages, split, 7, 0), one_by_one);
  EXPECT_EQ(LiveAfter(messages, split, 5000, 0), one_by_one);
}

TEST(IngestPipelineTest, RetriedBatchDoesNotFeedTheLiveModelTwice) {
  const auto messages = Messages(testing::MakeHistory(600, 22));
  const size_t split = messages.size() / 3;
  EXPECT_EQ(LiveAfter(messages, split, 97, 3), LiveAfter(messages, split, 97, 0));
}

TEST(IngestPipelineTest, RestartResumesTheLiveModelFromTheStore) {
  const auto messages = Messages(testing::MakeHistory(400, 23));
  const size_t split = messages.size() / 3;
  const std::string uninterrupted = LiveAfter(messages, split, 40, 0);
  // Same, but a new pipeline (a restart) every few batches.
  Store r;
  FlakyDeadLetters dlq(0);
  const LiveOptions live{.batch_events = 50};
  {
    IngestPipeline p({}, &r.store, &dlq, &r.stats, [] { return kNow; });
    ASSERT_TRUE(p.Load(live).ok());
    ASSERT_TRUE(p.Process(std::span(messages).first(split)).ok());
  }
  auto baseline = TrainBaseline(r.store, ParseRfc3339Ms("2017-06-01T00:00:00Z").value(),
                                FeatureSpec::Default(), {.k = 3, .n_init = 2, .seed = 4}, nullptr);
  ASSERT_TRUE(baseline.ok());
  ASSERT_TRUE(SaveBaseline(r.store, *baseline, 3).ok());
  for (size_t i = split; i < messages.size(); i += 120) {
    IngestPipeline p({}, &r.store, &dlq, &r.stats, [] { return kNow; });
    ASSERT_TRUE(p.Load(live).ok());
    for (size_t j = i; j < std::min(i + 120, messages.size()); j += 40) {
      ASSERT_TRUE(
          p.Process(std::span(messages).subspan(j, std::min<size_t>(40, messages.size() - j)))
              .ok());
    }
  }
  EXPECT_EQ(**r.store.GetMeta("model/live"), uninterrupted);
}

}  // namespace
}  // namespace segd
