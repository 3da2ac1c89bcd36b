// The drift contract on the generated Olist-like history, in process (memory store, no Kafka):
// a baseline fitted on 2016-09..2017-12, then 2018 replayed through the pipeline with an online
// drift evaluation every 2,000 events.
#include <gtest/gtest.h>

#include <set>

#include "app/drift_monitor.h"
#include "segd/event/event_time.h"
#include "segd/model/baseline_trainer.h"
#include "segd/replay/event_json_writer.h"
#include "segd/replay/olist_generator.h"
#include "segd/state/memory_state_store.h"

namespace segd {
namespace {

class NoDeadLetters : public DeadLetterSink {
 public:
  Status Send(const RawMessage&, const Rejection&) override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
};

struct Trajectory {
  std::vector<double> ari;
  std::vector<bool> recommended;
  std::vector<uint64_t> baseline_version;
  uint64_t auto_retrains = 0;
};

Trajectory Replay(DriftKind kind, const std::string& retrain = "alert") {
  const int64_t split = ParseRfc3339Ms("2018-01-01T00:00:00Z").value();
  std::vector<RawMessage> before, after;
  std::string json;
  EXPECT_TRUE(OlistGenerator({.seed = 5,
                              .customers = 20000,
                              .drift = kind,
                              .drift_start_ms = split,
                              .drift_factor = 4.0})
                  .Generate([&](const Event& e) {
                    json.clear();
                    AppendEventJson(e, &json);
                    auto& part = e.time_ms < split ? before : after;
                    part.push_back({"orders", 0, int64_t(before.size() + after.size()), true,
                                    e.subject, json});
                    return Status::Ok();
                  })
                  .ok());
  MemoryStateStore store;
  NoDeadLetters dlq;
  IngestStats stats;
  const auto clock = [] { return ParseRfc3339Ms("2030-01-01T00:00:00Z").value(); };
  {
    IngestPipeline p({}, &store, &dlq, &stats, clock);
    EXPECT_TRUE(p.Load().ok());
    for (size_t i = 0; i < before.size(); i += 1500) {
      EXPECT_TRUE(
          p.Process(std::span(before).subspan(i, std::min<size_t>(1500, before.size() - i))).ok());
    }
    std::set<std::string> subjects;
    for (const RawMessage& m : before) subjects.insert(m.key);
    EXPECT_EQ(p.customers(), subjects.size());  // the pipeline's count of customers is exact
  }
  auto baseline = TrainBaseline(store, stats.watermark_ms.load(), FeatureSpec::Default(),
                                {.k = 4, .n_init = 4}, nullptr);
  EXPECT_TRUE(baseline.ok());
  EXPECT_TRUE(SaveBaseline(store, *baseline, 3).ok());
  IngestPipeline p({}, &store, &dlq, &stats, clock);
  EXPECT_TRUE(p.Load({.live = {.batch_events = 200, .minibatch = {.half_life_days = 30}}}).ok());
  // The study's rule on wall-clock evaluations (EvaluateOnce after each chunk).
  DriftMonitor monitor({.every_event_days = 0,
                        .retrain = retrain,
                        .threshold = 0.8,
                        .consecutive_evaluations = 3,
                        .refit_every = 0},
                       &store, &p, &stats);
  Trajectory t;
  for (size_t i = 0; i < after.size(); i += 2000) {
    EXPECT_TRUE(p.RunRequestedWork().ok());  // what the ingest loop does between batches
    EXPECT_TRUE(
        p.Process(std::span(after).subspan(i, std::min<size_t>(2000, after.size() - i))).ok());
    EXPECT_TRUE(monitor.EvaluateOnce().ok());
    t.ari.push_back(monitor.status().online.ari);
    t.recommended.push_back(monitor.status().retrain_recommended);
    t.baseline_version.push_back(monitor.status().baseline_version);
  }
  t.auto_retrains = stats.retrains[static_cast<size_t>(RetrainTrigger::kAuto)].load();
  return t;
}

TEST(DriftScenarioTest, StationaryHistoryNeverRecommendsARetrain) {
  const Trajectory t = Replay(DriftKind::kNone);
  ASSERT_GE(t.ari.size(), 10u);
  for (size_t i = 0; i < t.ari.size(); ++i) {
    EXPECT_GT(t.ari[i], 0.85) << "evaluation " << i;
    EXPECT_FALSE(t.recommended[i]) << "evaluation " << i;
  }
}

TEST(DriftScenarioTest, SpendShiftPullsAriBelowThresholdAndRaisesTheFlag) {
  const Trajectory t = Replay(DriftKind::kSpendShift);
  size_t first_below = t.ari.size(), first_flag = t.ari.size();
  for (size_t i = 0; i < t.ari.size(); ++i) {
    if (t.ari[i] < 0.8 && first_below == t.ari.size()) first_below = i;
    if (t.recommended[i] && first_flag == t.ari.size()) first_flag = i;
  }
  ASSERT_LT(first_below, t.ari.size()) << "ARI never fell below 0.8";
  ASSERT_LT(first_flag, t.ari.size()) << "the retrain flag never rose";
  // The policy needs 3 consecutive low evaluations; the stated bound is 3 more after the fall.
  EXPECT_LE(first_flag, first_below + 3);
  EXPECT_TRUE(t.recommended.back());
}

TEST(DriftScenarioTest, AutoRetrainFitsANewBaselineAndTheFlagClears) {
  const Trajectory t = Replay(DriftKind::kSpendShift, "auto");
  size_t first_flag = t.ari.size();
  for (size_t i = 0; i < t.ari.size(); ++i) {
    if (t.recommended[i]) {
      first_flag = i;
      break;
    }
  }
  ASSERT_LT(first_flag + 1, t.ari.size()) << "the retrain flag never rose in time";
  EXPECT_EQ(t.baseline_version[first_flag], 1u);
  // The next batch boundary fits v2; its evaluation starts a new history without the flag.
  EXPECT_EQ(t.baseline_version[first_flag + 1], 2u);
  EXPECT_FALSE(t.recommended[first_flag + 1]);
  EXPECT_GT(t.ari[first_flag + 1], 0.8);
  EXPECT_GE(t.auto_retrains, 1u);
  // Retrained on the shifted population, the flag does not come back for the same shift.
  EXPECT_FALSE(t.recommended.back());
}

}  // namespace
}  // namespace segd
