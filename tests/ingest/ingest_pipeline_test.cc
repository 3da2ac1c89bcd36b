// The pipeline against the in-memory store: the live model's determinism and transactions.
#include "segd/ingest/ingest_pipeline.h"

#include <gtest/gtest.h>

#include <thread>

#include "segd/model/baseline_trainer.h"
#include "segd/state/memory_state_store.h"
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
    EXPECT_TRUE(p.Load({.live = live}).ok());
    EXPECT_TRUE(p.Process(std::span(messages).first(split)).ok());
  }
  auto baseline = TrainBaseline(r.store, ParseRfc3339Ms("2017-06-01T00:00:00Z").value(),
                                FeatureSpec::Default(), {.k = 3, .n_init = 2, .seed = 4}, nullptr);
  EXPECT_TRUE(baseline.ok()) << baseline.status().ToString();
  EXPECT_TRUE(SaveBaseline(r.store, *baseline, 3).ok());
  IngestPipeline p({}, &r.store, &dlq, &r.stats, [] { return kNow; });
  EXPECT_TRUE(p.Load({.live = live}).ok());
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
    ASSERT_TRUE(p.Load({.live = live}).ok());
    ASSERT_TRUE(p.Process(std::span(messages).first(split)).ok());
  }
  auto baseline = TrainBaseline(r.store, ParseRfc3339Ms("2017-06-01T00:00:00Z").value(),
                                FeatureSpec::Default(), {.k = 3, .n_init = 2, .seed = 4}, nullptr);
  ASSERT_TRUE(baseline.ok());
  ASSERT_TRUE(SaveBaseline(r.store, *baseline, 3).ok());
  for (size_t i = split; i < messages.size(); i += 120) {
    IngestPipeline p({}, &r.store, &dlq, &r.stats, [] { return kNow; });
    ASSERT_TRUE(p.Load({.live = live}).ok());
    for (size_t j = i; j < std::min(i + 120, messages.size()); j += 40) {
      ASSERT_TRUE(
          p.Process(std::span(messages).subspan(j, std::min<size_t>(40, messages.size() - j)))
              .ok());
    }
  }
  EXPECT_EQ(**r.store.GetMeta("model/live"), uninterrupted);
}

// What a replay leaves behind: the current baseline (without its wall-clock fit time) and the
// live model, as stored.
struct Models {
  std::string baseline;
  std::string live;
  uint64_t customers = 0;
  bool operator==(const Models&) const = default;
};

Models Stored(MemoryStateStore& store, uint64_t customers) {
  auto b = LoadCurrentBaseline(store);
  EXPECT_TRUE(b.ok() && b->has_value());
  if (!b.ok() || !b->has_value()) return {};
  (*b)->trained_unix_ms = 0;
  return {(*b)->Encode(), **store.GetMeta("model/live"), customers};
}

ModelLifecycleOptions Bootstrapping() {
  return {.live = {.batch_events = 50},
          .train = {.k = 3, .n_init = 2, .seed = 4},
          .bootstrap_min_customers = 120};
}

// Replays `messages` in batches of `batch` from an empty store, bootstrapping at 120 customers.
Models BootstrapReplay(const std::vector<RawMessage>& messages, size_t batch) {
  Store r;
  FlakyDeadLetters dlq(0);
  IngestPipeline p({}, &r.store, &dlq, &r.stats, [] { return kNow; });
  EXPECT_TRUE(p.Load(Bootstrapping()).ok());
  for (size_t i = 0; i < messages.size(); i += batch) {
    EXPECT_TRUE(
        p.Process(std::span(messages).subspan(i, std::min(batch, messages.size() - i))).ok());
  }
  EXPECT_EQ(r.stats.retrains[0].load(), 1u);  // one bootstrap
  return Stored(r.store, p.customers());
}

TEST(IngestPipelineTest, BootstrapHappensAtTheSameEventWhateverTheBatchSizes) {
  const auto messages = Messages(testing::MakeHistory(400, 24));
  const Models one_by_one = BootstrapReplay(messages, 1);
  auto baseline = BaselineModel::Decode(one_by_one.baseline);
  ASSERT_TRUE(baseline.ok());
  EXPECT_EQ(baseline->version, 1u);
  // Fitted on the first 120 customers (those with live orders: some only canceled so far).
  EXPECT_LE(baseline->population, 120u);
  EXPECT_GE(baseline->population, 100u);
  EXPECT_EQ(one_by_one.customers, 400u);
  EXPECT_EQ(BootstrapReplay(messages, 7), one_by_one);
  EXPECT_EQ(BootstrapReplay(messages, 5000), one_by_one);
}

TEST(IngestPipelineTest, CrashBetweenTheBootstrapBatchAndItsFitGivesTheSameModels) {
  const auto messages = Messages(testing::MakeHistory(400, 25));
  const Models uninterrupted = BootstrapReplay(messages, 64);
  Store r;
  FlakyDeadLetters dlq(0);
  size_t next = 0;
  {  // bootstrap off: stop exactly when the 120th customer was committed, as a crash would
    IngestPipeline p({}, &r.store, &dlq, &r.stats, [] { return kNow; });
    ModelLifecycleOptions off = Bootstrapping();
    off.bootstrap_min_customers = 0;
    ASSERT_TRUE(p.Load(off).ok());
    while (p.customers() < 120) ASSERT_TRUE(p.Process(std::span(messages).subspan(next++, 1)).ok());
    EXPECT_FALSE(p.live().has_baseline());
  }
  IngestPipeline p({}, &r.store, &dlq, &r.stats, [] { return kNow; });
  ASSERT_TRUE(p.Load(Bootstrapping()).ok());  // fits before anything else is applied
  ASSERT_TRUE(p.live().has_baseline());
  ASSERT_TRUE(p.Process(std::span(messages).subspan(next)).ok());
  EXPECT_EQ(Stored(r.store, p.customers()), uninterrupted);
}

TEST(IngestPipelineTest, RequestedRetrainKeepsSegmentIdsAndRestartsTheLiveModel) {
  const auto messages = Messages(testing::MakeHistory(400, 26));
  Store r;
  FlakyDeadLetters dlq(0);
  IngestPipeline p({}, &r.store, &dlq, &r.stats, [] { return kNow; });
  ModelLifecycleOptions options = Bootstrapping();
  options.train.segment_names = {"first", "", "third"};
  ASSERT_TRUE(p.Load(options).ok());
  auto too_early = p.RequestRetrain(RetrainTrigger::kAdmin);
  ASSERT_TRUE(p.RunRequestedWork().ok());  // an empty store is the requester's problem
  EXPECT_EQ(too_early.get().status().code(), StatusCode::kFailedPrecondition);

  ASSERT_TRUE(p.Process(messages).ok());
  const auto v1 = p.live().shared_baseline();
  ASSERT_NE(v1, nullptr);
  EXPECT_GT(p.live().model().updates(), 0u);
  // Two requests from other threads share one fit.
  std::future<StatusOr<uint64_t>> a, b;
  std::thread([&] { a = p.RequestRetrain(RetrainTrigger::kAuto); }).join();
  std::thread([&] { b = p.RequestRetrain(RetrainTrigger::kAdmin); }).join();
  ASSERT_TRUE(p.RunRequestedWork().ok());
  ASSERT_TRUE(a.get().ok());
  EXPECT_EQ(*b.get(), 2u);
  const BaselineModel* v2 = p.live().baseline();
  EXPECT_EQ(v2->version, 2u);
  EXPECT_GT(v2->population, v1->population);
  EXPECT_LE(v2->population, 400u);
  EXPECT_EQ(p.live().model().updates(), 0u);  // the live model starts again from v2
  EXPECT_EQ(v2->names[0], "first");
  EXPECT_EQ(v2->names[2], "third");
  EXPECT_NE(v2->names[1], "");
  // Stable ids: each v2 segment is nearest to the v1 segment with the same id.
  for (int c = 0; c < v2->k(); ++c) {
    Eigen::Index nearest = 0;
    (v1->centroids.rowwise() - v2->centroids.row(c)).rowwise().squaredNorm().minCoeff(&nearest);
    EXPECT_EQ(nearest, c);
  }
  EXPECT_EQ(r.stats.retrains[static_cast<size_t>(RetrainTrigger::kAuto)].load(), 1u);
  auto versions = ListBaselineVersions(r.store);
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(*versions, (std::vector<uint64_t>{1, 2}));
}

}  // namespace
}  // namespace segd
