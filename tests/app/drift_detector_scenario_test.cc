// The default drift detector on the generator's planted changes, through the daemon's own
// IngestPipeline (memory store, no Kafka): a baseline fitted on 2017-09-01 (a year of history),
// then an online drift evaluation (EvaluateDrift of the baseline against the live model) at every
// 14-day event-time boundary, fed to DriftDetector with its default options. Each moderate change
// starts on 2018-01-01 and must be flagged within 8 weeks; a stationary history (growth, ageing,
// two November peaks) must raise nothing over two years of evaluations.
#include <gtest/gtest.h>

#include "app/model_options.h"
#include "segd/config/segd_config.h"
#include "segd/event/event_time.h"
#include "segd/model/baseline_trainer.h"
#include "segd/model/drift_detector.h"
#include "segd/replay/event_json_writer.h"
#include "segd/replay/olist_generator.h"
#include "segd/state/memory_state_store.h"

namespace segd {
namespace {

constexpr int64_t kDay = kMillisPerDay;
const int64_t kBaselineAt = ParseRfc3339Ms("2017-09-01T00:00:00Z").value();
const int64_t kChangeAt = ParseRfc3339Ms("2018-01-01T00:00:00Z").value();

struct Verdicts {
  std::vector<int64_t> times;
  std::vector<DriftVerdict> verdicts;
  // First evaluation with the alert up, as days after the change (nullopt: never).
  std::optional<int64_t> FirstAlertDays() const {
    for (size_t i = 0; i < verdicts.size(); ++i) {
      if (verdicts[i].alert) return (times[i] - kChangeAt) / kDay;
    }
    return std::nullopt;
  }
};

// Replays the history up to `until_ms` with evaluations every 14 days from the baseline.
Verdicts Replay(const GeneratorOptions& g, const FeatureSpec& spec, int64_t until_ms) {
  std::vector<RawMessage> messages;
  std::vector<int64_t> times;
  std::string json;
  EXPECT_TRUE(
      OlistGenerator(g)
          .Generate([&](const Event& e) {
            json.clear();
            AppendEventJson(e, &json);
            messages.push_back({"orders", 0, int64_t(messages.size()), true, e.subject, json});
            times.push_back(e.time_ms);
            return Status::Ok();
          })
          .ok());
  MemoryStateStore store;
  CountingDeadLetterSink dlq;
  IngestStats stats;
  const auto clock = [] { return ParseRfc3339Ms("2030-01-01T00:00:00Z").value(); };
  ModelLifecycleOptions lifecycle = ToLifecycleOptions(ModelConfig{});  // the daemon's defaults
  lifecycle.spec = spec;
  lifecycle.train.n_init = 4;
  lifecycle.bootstrap_min_customers = 0;
  size_t next = 0;
  auto feed = [&](IngestPipeline& p, int64_t before_ms) {
    const size_t from = next;
    while (next < messages.size() && times[next] < before_ms) ++next;
    EXPECT_TRUE(p.Process(std::span(messages).subspan(from, next - from), 5000).ok());
  };
  {
    IngestPipeline before(DecoderOptions{}, &store, &dlq, &stats, clock);
    EXPECT_TRUE(before.Load(lifecycle).ok());
    feed(before, kBaselineAt);
  }
  auto baseline = TrainBaseline(store, kBaselineAt, spec, lifecycle.train, nullptr);
  EXPECT_TRUE(baseline.ok()) << baseline.status().ToString();
  EXPECT_TRUE(SaveBaseline(store, *baseline, 3).ok());
  IngestPipeline p(DecoderOptions{}, &store, &dlq, &stats, clock);
  EXPECT_TRUE(p.Load(lifecycle).ok());
  DriftDetector detector({}, *baseline);
  Verdicts run;
  for (int64_t t = kBaselineAt + 14 * kDay; t <= until_ms; t += 14 * kDay) {
    feed(p, t);
    const auto live = p.live_snapshot();
    const BaselineModel& b = *live->baseline;
    auto report = EvaluateDrift(store, t, {&b.spec, &b.scaler, &b.centroids},
                                {&b.spec, &b.scaler, &live->centroids});
    EXPECT_TRUE(report.ok());
    run.times.push_back(t);
    run.verdicts.push_back(
        detector.Observe({.time_ms = t, .online = &*report, .centroids = &live->centroids}));
  }
  EXPECT_EQ(dlq.count(), 0u);
  return run;
}

FeatureSpec WithReview() {
  FeatureSpec s = FeatureSpec::Default();
  s.features.push_back({.kind = FeatureKind::kMeanReview});
  return s;
}

struct Scenario {
  DriftKind kind;
  FeatureSpec spec = FeatureSpec::Default();
};

class ModerateChangeTest : public testing::TestWithParam<Scenario> {};

TEST_P(ModerateChangeTest, FlaggedWithinEightWeeksAndNotBefore) {
  const Scenario& s = GetParam();
  // 30,000 customers over 2016-09 .. 2018-10: ~1,300 customers active in a 28-day window.
  const Verdicts run = Replay({.seed = 21,
                               .customers = 30000,
                               .drift = s.kind,
                               .drift_start_ms = kChangeAt,
                               .drift_factor = DriftFactor(s.kind, DriftSize::kModerate)},
                              s.spec, kChangeAt + 8 * 7 * kDay);
  ASSERT_EQ(run.verdicts.size(), 12u);  // 2017-09-15 .. 2018-02-16
  const auto days = run.FirstAlertDays();
  ASSERT_TRUE(days.has_value()) << DriftKindName(s.kind)
                                << ": never flagged; last: " << run.verdicts.back().reason;
  EXPECT_GE(*days, 0) << "flagged before the change: " << run.verdicts[0].reason;
  EXPECT_LE(*days, 56);
  const DriftVerdict& last = run.verdicts.back();
  EXPECT_TRUE(last.alert);
  EXPECT_NE(last.reason.find("among active customers segment"), std::string::npos) << last.reason;
}

INSTANTIATE_TEST_SUITE_P(Generator, ModerateChangeTest,
                         testing::Values(Scenario{DriftKind::kNewCustomerSpend},
                                         Scenario{DriftKind::kSpendShift},
                                         Scenario{DriftKind::kFrequencyShift},
                                         Scenario{DriftKind::kNewCustomerMix},
                                         Scenario{DriftKind::kReviewCollapse, WithReview()}),
                         [](const testing::TestParamInfo<Scenario>& info) {
                           return std::string(DriftKindName(info.param.kind));
                         });

TEST(StationaryHistoryTest, NoAlertOverTwoYearsOfGrowthAndAgeing) {
  // 2016-09 .. 2019-09 with the customers spread as densely as above; evaluations 2017-09-15 ..
  // 2019-08-30.
  const int64_t end = ParseRfc3339Ms("2019-09-14T00:00:00Z").value();
  const Verdicts run = Replay({.seed = 21, .customers = 43000, .end_ms = end},
                              FeatureSpec::Default(), end - 14 * kDay);
  ASSERT_EQ(run.verdicts.size(), 52u);
  for (size_t i = 0; i < run.verdicts.size(); ++i) {
    EXPECT_FALSE(run.verdicts[i].alert)
        << FormatDay(run.times[i]) << ": " << run.verdicts[i].reason;
  }
}

}  // namespace
}  // namespace segd
