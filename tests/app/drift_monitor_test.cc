#include "app/drift_monitor.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <thread>

#include "segd/metrics/metrics_exposition.h"
#include "segd/model/baseline_trainer.h"
#include "testing/test_history.h"

namespace segd {
namespace {

const int64_t kNow = ParseRfc3339Ms("2020-01-01T00:00:00Z").value();

class NoDeadLetters : public DeadLetterSink {
 public:
  Status Send(const RawMessage&, const Rejection&) override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
};

TEST(DriftMonitorTest, EvaluatesBaselineAgainstLiveModelAndExportsIt) {
  MemoryStateStore store;
  NoDeadLetters dlq;
  IngestStats stats;
  const auto history = testing::MakeHistory(500, 31);
  std::vector<RawMessage> messages;
  for (size_t i = 0; i < history.size(); ++i) {
    messages.push_back({"orders", 0, int64_t(i), true, history[i].key, history[i].json});
  }
  const size_t half = messages.size() / 2;
  IngestPipeline pipeline({}, &store, &dlq, &stats, [] { return kNow; });
  ASSERT_TRUE(pipeline.Load().ok());
  ASSERT_TRUE(pipeline.Process(std::span(messages).first(half)).ok());

  DriftMonitor monitor({.every_seconds = 3600}, &store, &pipeline, &stats);
  MetricsExposition metrics(
      {.stats = &stats, .ready = [] { return true; }, .drift = [&] { return monitor.status(); }});
  ASSERT_TRUE(monitor.EvaluateOnce().ok());  // no baseline yet: nothing to compare
  EXPECT_FALSE(monitor.status().evaluated);
  // prometheus-cpp writes "Nan", which Prometheus parses as NaN (case-insensitive).
  EXPECT_NE(metrics.Scrape().find("segd_drift_ari{method=\"online\"} Nan"), std::string::npos);

  auto baseline = TrainBaseline(store, stats.watermark_ms.load(), FeatureSpec::Default(),
                                {.k = 3, .n_init = 2}, nullptr);
  ASSERT_TRUE(baseline.ok());
  ASSERT_TRUE(SaveBaseline(store, *baseline, 2).ok());
  IngestPipeline restarted({}, &store, &dlq, &stats, [] { return kNow; });
  ASSERT_TRUE(restarted.Load({.live = {.batch_events = 20}}).ok());
  DriftMonitor after({.every_seconds = 3600, .refit_every = 1}, &store, &restarted, &stats);

  // Live model still equal to the baseline: the two labelings agree exactly.
  ASSERT_TRUE(after.EvaluateOnce().ok());
  DriftStatus s = after.status();
  ASSERT_TRUE(s.evaluated);
  EXPECT_EQ(s.online.ari, 1.0);
  EXPECT_EQ(s.baseline_version, 1u);
  EXPECT_EQ(s.online.customers, baseline->population);
  EXPECT_FALSE(s.retrain_recommended);
  // A refit ran over the same customers. (This test history has no natural clusters, so two
  // fits may partition it differently: only the scenario tests judge the value.)
  ASSERT_TRUE(s.refit_evaluated);
  EXPECT_EQ(s.refit.customers, s.online.customers);
  EXPECT_GE(s.refit.ari, -0.5);
  EXPECT_LE(s.refit.ari, 1.0);

  // The second half moves the live model; the evaluation sees it.
  ASSERT_TRUE(restarted.Process(std::span(messages).subspan(half)).ok());
  ASSERT_TRUE(after.EvaluateOnce().ok());
  s = after.status();
  EXPECT_GT(s.live_updates, 0u);
  EXPECT_GT(s.online.customers, baseline->population);
  EXPECT_LE(s.online.ari, 1.0);
  MetricsExposition m2(
      {.stats = &stats, .ready = [] { return true; }, .drift = [&] { return after.status(); }});
  const std::string text = m2.Scrape();
  EXPECT_NE(text.find("segd_baseline_version 1"), std::string::npos);
  EXPECT_NE(text.find("segd_segment_customers{model=\"live\",segment=\"0\"}"), std::string::npos);
  EXPECT_NE(text.find("segd_drift_ari{method=\"online\"}"), std::string::npos);
  EXPECT_NE(text.find("segd_drift_ari{method=\"refit\"}"), std::string::npos);
  EXPECT_NE(text.find("segd_drift_threshold{level=\"warning\"} 0.8"), std::string::npos);
  EXPECT_NE(text.find("segd_drift_threshold{level=\"critical\"} 0.6"), std::string::npos);
  // The migration matrix (baseline segment -> live segment) covers every evaluated customer.
  double migrated = 0, stayed = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    static const std::regex cell(
        R"re(^segd_segment_migration_customers\{from="(\d+)",to="(\d+)"\} (\S+)$)re");
    if (!std::regex_match(line, m, cell)) continue;
    (m[1] == m[2] ? stayed : migrated) += std::stod(m[3]);
  }
  EXPECT_EQ(stayed + migrated, double(s.online.customers));
  EXPECT_GT(stayed, migrated);
}

TEST(DriftMonitorTest, EventTimeScheduleEvaluatesWhenTheWatermarkHasMovedEnough) {
  MemoryStateStore store;
  NoDeadLetters dlq;
  IngestStats stats;
  const auto history = testing::MakeHistory(300, 32);
  std::vector<RawMessage> messages;
  for (size_t i = 0; i < history.size(); ++i) {
    messages.push_back({"orders", 0, int64_t(i), true, history[i].key, history[i].json});
  }
  IngestPipeline pipeline({}, &store, &dlq, &stats, [] { return kNow; });
  ASSERT_TRUE(pipeline.Load({.train = {.k = 3, .n_init = 2}, .bootstrap_min_customers = 100}).ok());
  ASSERT_TRUE(pipeline.Process(messages).ok());
  ASSERT_TRUE(pipeline.live().has_baseline());
  // Wall clock off: only 7 days of event time trigger an evaluation.
  DriftMonitor monitor({.every_seconds = 0, .every_event_days = 7, .refit_every = 0}, &store,
                       &pipeline, &stats);
  monitor.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_FALSE(monitor.status().evaluated);  // the watermark has not moved
  stats.watermark_ms += 6 * 86'400'000LL;
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_FALSE(monitor.status().evaluated);  // 6 days are not enough
  stats.watermark_ms += 2 * 86'400'000LL;
  for (int i = 0; i < 50 && !monitor.status().evaluated; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(monitor.status().evaluated);
  monitor.Stop();
}

}  // namespace
}  // namespace segd
