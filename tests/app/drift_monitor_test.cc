#include "app/drift_monitor.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "app/model_options.h"
#include "drift/drift_record_json.h"
#include "segd/metrics/metrics_exposition.h"
#include "segd/model/baseline_trainer.h"
#include "segd/replay/olist_generator.h"
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

  // Wall-clock evaluations only (EvaluateOnce), as with drift.every_event_days: 0.
  DriftMonitor monitor({.every_seconds = 3600, .every_event_days = 0}, &store, &pipeline, &stats);
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
  DriftMonitor after({.every_seconds = 3600, .every_event_days = 0, .refit_every = 1}, &store,
                     &restarted, &stats);

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

// A generated Olist-like history (two years by default), time ordered, one partition.
std::vector<RawMessage> Generated(const GeneratorOptions& g) {
  std::vector<RawMessage> out;
  EXPECT_TRUE(OlistGenerator(g)
                  .Generate([&](const Event& e) {
                    out.push_back({"orders", 0, int64_t(out.size()), true, e.subject,
                                   testing::ToContractJson(e)});
                    return Status::Ok();
                  })
                  .ok());
  return out;
}

std::vector<RawMessage> TwoYears(int customers) {
  return Generated({.seed = 11, .customers = customers});
}

const DriftConfig kEveryTwoWeeks{.every_seconds = 0, .every_event_days = 14, .refit_every = 4};
const ModelLifecycleOptions kBootstrapAt200{
    .live = {.batch_events = 50}, .train = {.k = 4, .n_init = 2}, .bootstrap_min_customers = 200};

// What a replay leaves in the history, without the wall-clock fields.
std::vector<std::string> Evaluations(const DriftHistory& history) {
  auto page = history.Read(0, INT64_MAX, 100000, "");
  EXPECT_TRUE(page.ok());
  std::vector<std::string> out;
  for (DriftRecord r : page->records) {
    r.evaluated_unix_ms = 0;
    r.seconds = 0;
    out.push_back(DriftRecordJson(r).dump());
  }
  return out;
}

// Replays `messages` in chunks of `chunk` (micro-batches of `batch`), restarting the pipeline
// and the monitor (as after a crash: nothing kept but the store) before each chunk in `restarts`.
// The policy is strict (every evaluation under 0.999 counts, two in a row recommend), so its
// streaks run through the whole history and a restart that lost them would show.
std::vector<std::string> Replay(const std::vector<RawMessage>& messages, size_t chunk, size_t batch,
                                const std::set<size_t>& restarts = {}) {
  DriftConfig strict = kEveryTwoWeeks;
  strict.threshold = 0.999;
  strict.critical = 0.5;
  strict.consecutive_evaluations = 2;
  strict.detector = "ari_threshold";  // the study's rule, whose streaks are easy to provoke
  MemoryStateStore store;
  NoDeadLetters dlq;
  IngestStats stats;
  std::unique_ptr<IngestPipeline> pipeline;
  std::unique_ptr<DriftMonitor> monitor;
  auto start = [&] {
    monitor.reset();
    pipeline = std::make_unique<IngestPipeline>(DecoderOptions{}, &store, &dlq, &stats,
                                                [] { return kNow; });
    monitor = std::make_unique<DriftMonitor>(strict, &store, pipeline.get(), &stats);
    EXPECT_TRUE(pipeline->Load(kBootstrapAt200).ok());
  };
  start();
  for (size_t i = 0, n = 0; i < messages.size(); i += chunk, ++n) {
    if (restarts.contains(n)) start();
    const size_t len = std::min(chunk, messages.size() - i);
    EXPECT_TRUE(pipeline->Process(std::span(messages).subspan(i, len), batch).ok());
  }
  return Evaluations(monitor->history());
}

TEST(DriftMonitorTest, EventTimeScheduleEvaluatesEveryBoundaryOnceOnItsOwnState) {
  const auto messages = TwoYears(3000);
  MemoryStateStore store;
  NoDeadLetters dlq;
  IngestStats stats;
  IngestPipeline pipeline({}, &store, &dlq, &stats, [] { return kNow; });
  DriftMonitor monitor(kEveryTwoWeeks, &store, &pipeline, &stats);
  ASSERT_TRUE(pipeline.Load(kBootstrapAt200).ok());
  ASSERT_TRUE(pipeline.Process(messages, 1000).ok());  // at full speed, no wall clock involved
  ASSERT_TRUE(pipeline.live().has_baseline());
  auto page = monitor.history().Read(0, INT64_MAX, 1000, "");
  ASSERT_TRUE(page.ok());
  const auto& records = page->records;
  // One evaluation per 14-day boundary from the first after the bootstrap to the last event.
  const int64_t step = 14 * kMillisPerDay;
  ASSERT_GT(records.size(), 40u);
  const int64_t last_event = pipeline.watermark_ms();
  EXPECT_EQ(records.back().as_of_ms, last_event / step * step);
  // The bootstrap baseline is fitted at a boundary; its first evaluation is the next one.
  const int64_t bootstrap = pipeline.live().baseline()->watermark_ms;
  EXPECT_EQ(bootstrap % step, 0);
  EXPECT_EQ(records.front().as_of_ms, bootstrap + step);
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].as_of_ms % step, 0);
    if (i > 0) EXPECT_EQ(records[i].as_of_ms - records[i - 1].as_of_ms, step);
    EXPECT_EQ(records[i].schedule, DriftSchedule::kEventTime);
    EXPECT_EQ(records[i].baseline_version, 1u);
    // Refits at every 4th boundary, counted from the epoch.
    EXPECT_EQ(records[i].ari_refit.has_value(), (records[i].as_of_ms / step) % 4 == 0);
    EXPECT_EQ(records[i].migration.size(), 4u);
  }
  // The population grows from boundary to boundary: each saw its own state.
  EXPECT_LT(records.front().customers, records.back().customers);
  EXPECT_EQ(monitor.status().as_of_ms, records.back().as_of_ms);
}

TEST(DriftMonitorTest, EventTimeEvaluationsDoNotDependOnBatchSizesOrRestarts) {
  const auto messages = TwoYears(2000);
  const auto whole = Replay(messages, messages.size(), 1000);
  ASSERT_GT(whole.size(), 40u);
  int longest = 0;  // streaks long enough that a restart which lost them would show
  for (const std::string& r : whole) longest = std::max(longest, ParseDriftRecord(r)->policy.below);
  EXPECT_GE(longest, 5);
  EXPECT_EQ(Replay(messages, 333, 77), whole);
  // Restarts (nothing kept but the store) at several points, before and after the bootstrap.
  EXPECT_EQ(Replay(messages, 500, 200, {1, 3, 4, 9}), whole);
}

// What a user gets from the default configuration, end to end through the daemon's pipeline
// and drift monitor: DriftConfig{} (evaluations every 14 days of event time, the calibrated
// detector, refits every 10th boundary) and ModelConfig{} (the bootstrap baseline at the first
// boundary after 10,000 customers, the live model's settings), on one partition of a generated
// history. Returns the drift history.
std::vector<DriftRecord> DefaultConfigRun(const GeneratorOptions& g,
                                          const FeatureSpec& features = FeatureSpec::Default()) {
  const std::vector<RawMessage> messages = Generated(g);
  MemoryStateStore store;
  NoDeadLetters dlq;
  IngestStats stats;
  IngestPipeline pipeline({}, &store, &dlq, &stats, [] { return kNow; });
  const DriftConfig config;  // the defaults: the event-time schedule is on
  EXPECT_EQ(config.every_event_days, 14);
  EXPECT_EQ(config.detector, "calibrated");
  DriftMonitor monitor(config, &store, &pipeline, &stats);
  ModelConfig model;
  model.features = features;
  EXPECT_TRUE(pipeline.Load(ToLifecycleOptions(model)).ok());
  EXPECT_TRUE(pipeline.Process(messages, 5000).ok());
  EXPECT_EQ(stats.applied(), messages.size());
  return monitor.history().Read(0, INT64_MAX, 1000, "")->records;
}

FeatureSpec WithReview() {
  FeatureSpec s = FeatureSpec::Default();
  s.features.push_back({.kind = FeatureKind::kMeanReview});
  return s;
}

// Each moderate planted change of the README table ("Drift detectors and planted changes").
struct PlantedChange {
  DriftKind kind;
  bool review_feature = false;  // review_collapse is only visible with mean_review a feature
};

void PrintTo(const PlantedChange& c, std::ostream* os) {
  *os << DriftKindName(c.kind) << (c.review_feature ? " with mean_review" : "");
}

class DefaultConfigFlagsTest : public ::testing::TestWithParam<PlantedChange> {};

TEST_P(DefaultConfigFlagsTest, ModerateChangeWithinEightWeeksNamingWhatChanged) {
  const PlantedChange& c = GetParam();
  const int64_t change = *ParseRfc3339Ms("2018-01-01T00:00:00Z");
  // The README table's change runs: 40,000 customers over 2016-09-01 .. 2018-10-17, seed 42
  // (about 1,700 customers active in a 28-day window); the bootstrap comes in September 2017.
  const auto records = DefaultConfigRun({.seed = 42,
                                         .customers = 40000,
                                         .drift = c.kind,
                                         .drift_start_ms = change,
                                         .drift_factor = DriftFactor(c.kind, DriftSize::kModerate)},
                                        c.review_feature ? WithReview() : FeatureSpec::Default());
  ASSERT_GT(records.size(), 20u);
  // The detector was calibrated before the change, so what it flags is the change.
  const auto calibrated = std::find_if(records.begin(), records.end(),
                                       [](const DriftRecord& r) { return !r.calibrating; });
  ASSERT_NE(calibrated, records.end());
  EXPECT_LT(calibrated->as_of_ms, change) << FormatRfc3339(calibrated->as_of_ms);
  const auto first = std::find_if(records.begin(), records.end(),
                                  [](const DriftRecord& r) { return r.policy.recommended; });
  ASSERT_NE(first, records.end()) << "never flagged; last: " << records.back().reason;
  EXPECT_GE(first->as_of_ms, change) << "flagged before the change: " << first->reason;
  EXPECT_LE(first->as_of_ms - change, 56 * kMillisPerDay) << FormatRfc3339(first->as_of_ms);
  EXPECT_EQ(first->schedule, DriftSchedule::kEventTime);
  EXPECT_EQ(first->detector, "calibrated");
  EXPECT_GT(first->statistic, first->limit);
  EXPECT_NE(first->reason.find("among active customers segment"), std::string::npos)
      << first->reason;
  EXPECT_FALSE(first->detector_state.empty());
}

INSTANTIATE_TEST_SUITE_P(ReadmeTable, DefaultConfigFlagsTest,
                         ::testing::Values(PlantedChange{DriftKind::kNewCustomerSpend},
                                           PlantedChange{DriftKind::kSpendShift},
                                           PlantedChange{DriftKind::kFrequencyShift},
                                           PlantedChange{DriftKind::kNewCustomerMix},
                                           PlantedChange{DriftKind::kReviewCollapse, true}),
                         [](const ::testing::TestParamInfo<PlantedChange>& info) {
                           return std::string(DriftKindName(info.param.kind));
                         });

// Stationary histories (growth, ageing, three November peaks), 2016-09 .. 2019-12, dense enough
// that the default bootstrap (10,000 customers) comes in August 2017: two years of judged
// evaluations after the detector's calibration.
struct Stationary {
  uint64_t seed;
  bool review_feature = false;
};

void PrintTo(const Stationary& s, std::ostream* os) {
  *os << "seed " << s.seed << (s.review_feature ? " with mean_review" : "");
}

class DefaultConfigQuietTest : public ::testing::TestWithParam<Stationary> {};

TEST_P(DefaultConfigQuietTest, NoFlagOverTwoYears) {
  const Stationary& s = GetParam();
  const auto records = DefaultConfigRun(
      {.seed = s.seed, .customers = 66000, .end_ms = *ParseRfc3339Ms("2019-12-15T00:00:00Z")},
      s.review_feature ? WithReview() : FeatureSpec::Default());
  ASSERT_FALSE(records.empty());
  const auto quiet_from = std::find_if(records.begin(), records.end(),
                                       [](const DriftRecord& r) { return !r.calibrating; });
  ASSERT_NE(quiet_from, records.end());
  EXPECT_GE(records.back().as_of_ms - quiet_from->as_of_ms, 730 * kMillisPerDay)
      << FormatRfc3339(quiet_from->as_of_ms) << " .. " << FormatRfc3339(records.back().as_of_ms);
  for (const DriftRecord& r : records) {
    EXPECT_EQ(r.detector, "calibrated");
    EXPECT_FALSE(r.policy.recommended) << FormatRfc3339(r.as_of_ms) << ": " << r.reason;
  }
}

INSTANTIATE_TEST_SUITE_P(ReadmeTable, DefaultConfigQuietTest,
                         ::testing::Values(Stationary{42}, Stationary{5}, Stationary{7, true}),
                         [](const ::testing::TestParamInfo<Stationary>& info) {
                           return "seed" + std::to_string(info.param.seed) +
                                  (info.param.review_feature ? "_with_mean_review" : "");
                         });

}  // namespace
}  // namespace segd
