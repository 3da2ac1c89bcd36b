// `segd simulate`: the study's protocol on histories whose answer is known by construction, on
// the generated Olist-like history and the Olist CSV layout, and its online curve against the
// daemon's own drift evaluation at the same time points.
#include "app/simulate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "app/drift_monitor.h"
#include "app/model_options.h"
#include "segd/config/config_loader.h"
#include "segd/event/event_time.h"
#include "segd/model/baseline_trainer.h"
#include "segd/model/drift_detector.h"
#include "segd/model/drift_evaluator.h"
#include "segd/replay/event_json_writer.h"
#include "segd/state/memory_state_store.h"
#include "testing/temp_dir.h"

namespace segd {
namespace {

constexpr int64_t kDay = kMillisPerDay;
const int64_t kChange = ParseRfc3339Ms("2018-01-01T00:00:00Z").value();

// Every day of 2017-01 .. 2018-06, two customers of each of three well-separated kinds arrive:
// one order of ~20, three of ~200 (10 days apart), six of ~2,000 (5 days apart). The features
// are frequency and total spend only (recency would grow with the history), so the population's
// distribution is the same at every step. With `flood`, 2,000 customers of a fourth kind (twenty
// orders of ~100,000 within four days) arrive in the first week of 2018, far from the others in
// both features: a fresh fit with k = 3 must now give them their own segment and merge two old
// kinds, while M0 puts them with its top spenders, so the refit ARI falls at the first step
// after the change and not before.
std::vector<TimedEvent> Planted(bool flood) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  std::vector<Event> events;
  int next_id = 0;
  auto customer = [&](int64_t first, int orders, double amount, int64_t gap) {
    const std::string id = "c" + std::to_string(next_id++);
    for (int o = 0; o < orders; ++o) {
      Event e;
      e.id = id + "-" + std::to_string(o) + "/placed";
      e.subject = id;
      e.order_id = id + "-" + std::to_string(o);
      e.time_ms = first + o * gap;
      e.amount = std::round(amount * jitter(rng) * 100) / 100;
      e.region = "SP";
      events.push_back(e);
    }
  };
  const int64_t begin = ParseRfc3339Ms("2017-01-01T00:00:00Z").value();
  const int64_t end = ParseRfc3339Ms("2018-07-01T00:00:00Z").value();
  for (int64_t day = begin; day < end; day += kDay) {
    for (int i = 0; i < 2; ++i) {
      customer(day + i * 3'600'000, 1, 20, 0);
      customer(day + i * 3'600'000 + 60'000, 3, 200, 10 * kDay);
      customer(day + i * 3'600'000 + 120'000, 6, 2000, 5 * kDay);
    }
  }
  if (flood) {
    for (int i = 0; i < 2000; ++i) customer(kChange + i * 300'000, 20, 100'000, 4 * 3'600'000);
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.time_ms < b.time_ms; });
  std::vector<TimedEvent> out;
  for (const Event& e : events) {
    TimedEvent& t = out.emplace_back();
    t.time_ms = e.time_ms;
    t.key = e.subject;
    AppendEventJson(e, &t.json);
  }
  return out;
}

SimulateOptions PlantedOptions() {
  SimulateOptions o;
  o.model.spec.features = {
      {.kind = FeatureKind::kFrequency, .transform = FeatureTransform::kLog1p},
      {.kind = FeatureKind::kMonetaryTotal, .transform = FeatureTransform::kLog1p}};
  o.model.train = {.k = 3, .n_init = 4, .silhouette_sample = 200};
  o.start_ms = ParseRfc3339Ms("2017-07-01T00:00:00Z").value();
  o.step_days = 14;
  o.starts = 4;
  return o;
}

TEST(SimulateTest, PlantedChangeCrossesTheThresholdAtTheFirstStepAfterIt) {
  auto r = Simulate(Planted(true), PlantedOptions());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // 2017-07-15 .. 2018-07-21: the last six-order customers of 2018-06-30 buy until 2018-07-25.
  ASSERT_EQ(r->steps.size(), 27u);
  EXPECT_EQ(r->k, 3);
  EXPECT_EQ(r->rejected, 0u);
  for (const SimulateStep& s : r->steps) {
    if (s.time_ms < kChange) {
      EXPECT_GE(s.ari_refit, 0.95) << FormatRfc3339(s.time_ms);
    }
  }
  // Steps fall on 2017-12-30 and 2018-01-13: the change lies between them.
  ASSERT_TRUE(r->refit_below_threshold_ms.has_value());
  EXPECT_EQ(FormatRfc3339(*r->refit_below_threshold_ms), "2018-01-13T00:00:00Z");
  // The live model moved too: 40,000 newcomer orders pulled a centre toward them.
  ASSERT_TRUE(r->online_below_threshold_ms.has_value());
  EXPECT_EQ(FormatRfc3339(*r->online_below_threshold_ms), "2018-01-13T00:00:00Z");
  // Each start date stayed above the threshold until the last step before the change: t0 (182
  // days), t0 + 14 (168), t0 + 28 (154), t0 + 42 (140).
  ASSERT_EQ(r->starts.size(), 4u);
  for (size_t j = 0; j < 4; ++j) {
    EXPECT_EQ(r->starts[j].start_ms, r->start_ms + int64_t(j) * 14 * kDay);
    EXPECT_DOUBLE_EQ(r->starts[j].days_above, 182.0 - 14.0 * double(j)) << "start " << j;
    EXPECT_FALSE(r->starts[j].censored);
  }
  EXPECT_DOUBLE_EQ(r->interval.median_days, 161);
  EXPECT_DOUBLE_EQ(r->interval.min_days, 140);
  EXPECT_DOUBLE_EQ(r->interval.max_days, 182);
  EXPECT_EQ(r->interval.censored, 0);
  EXPECT_FALSE(r->interval.median_is_lower_bound);
}

TEST(SimulateTest, StationaryHistoryNeverCrosses) {
  auto r = Simulate(Planted(false), PlantedOptions());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->steps.size(), 27u);
  for (const SimulateStep& s : r->steps) {
    EXPECT_GE(s.ari_refit, 0.95) << FormatRfc3339(s.time_ms);
    EXPECT_GE(s.ari_online, 0.95) << FormatRfc3339(s.time_ms);
    EXPECT_GT(s.silhouette_m0, 0.7);  // three well-separated kinds
    EXPECT_NEAR(s.silhouette_refit, s.silhouette_m0, 0.05);
  }
  EXPECT_FALSE(r->refit_below_threshold_ms.has_value());
  EXPECT_FALSE(r->online_below_threshold_ms.has_value());
  ASSERT_EQ(r->starts.size(), 4u);
  EXPECT_EQ(r->interval.censored, 4);
  EXPECT_DOUBLE_EQ(r->interval.max_days, 27 * 14);  // t0 stayed above to the last step
}

// The daemon's drift evaluation (the pipeline with the shipped config, `segd train` at t0, then
// DriftMonitor at each step's time) reports the online ARI of simulate's curve. The daemon's
// micro-batches are cut differently: the live model does not depend on them.
TEST(SimulateTest, DaemonOnlineAriAgreesWithTheOnlineCurve) {
  auto config = LoadConfigFile(std::string(SEGD_SOURCE_DIR) + "/config/segd.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  config->model.n_init = 2;       // keep the test fast; both sides use it
  config->drift.refit_every = 0;  // the daemon's online evaluation only
  // Wall-clock evaluations (EvaluateOnce) at simulate's steps, which need not be boundaries;
  // DaemonEventTimeHistoryIsSimulatesEvaluations compares the event-time schedule.
  config->drift.every_event_days = 0;
  config->model.live_batch_events = 100;
  auto events = LoadHistory({.generator = GeneratorOptions{.seed = 3, .customers = 6000}});
  ASSERT_TRUE(events.ok());
  SimulateOptions o;
  o.model = ToLifecycleOptions(config->model);
  o.starts = 1;
  o.model.train.silhouette_sample = 200;
  auto r = Simulate(*events, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_GE(r->steps.size(), 26u);

  CountingDeadLetterSink dlq;
  MemoryStateStore store;
  IngestStats stats;
  const auto clock = [] { return ParseRfc3339Ms("2030-01-01T00:00:00Z").value(); };
  std::vector<RawMessage> messages;
  for (size_t i = 0; i < events->size(); ++i) {
    messages.push_back({"orders", 3, int64_t(i), true, (*events)[i].key, (*events)[i].json});
  }
  size_t next = 0;
  auto feed = [&](IngestPipeline& p, int64_t until) {  // micro-batches of 777, not simulate's
    size_t end = next;
    while (end < messages.size() && (*events)[end].time_ms < until) ++end;
    ASSERT_TRUE(p.Process(std::span(messages).subspan(next, end - next), 777).ok());
    next = end;
  };
  ModelLifecycleOptions lifecycle = ToLifecycleOptions(config->model);
  lifecycle.bootstrap_min_customers = 0;
  {
    IngestPipeline p({}, &store, &dlq, &stats, clock);
    ASSERT_TRUE(p.Load(lifecycle).ok());
    feed(p, r->start_ms);
  }
  auto m0 = TrainBaseline(store, r->start_ms, config->model.features, ToTrainOptions(config->model),
                          nullptr);
  ASSERT_TRUE(m0.ok());
  ASSERT_TRUE(SaveBaseline(store, *m0, config->model.keep_versions).ok());
  IngestPipeline p({}, &store, &dlq, &stats, clock);
  ASSERT_TRUE(p.Load(lifecycle).ok());
  DriftMonitor monitor(config->drift, &store, &p, &stats);
  DriftDetector detector(o.detector, *m0);  // fed the daemon's evaluation at ti
  for (const SimulateStep& s : r->steps) {
    feed(p, s.time_ms);
    ASSERT_TRUE(monitor.EvaluateOnce().ok());
    // The daemon evaluates at its watermark (the last event before ti), simulate at ti: the
    // recency of every customer differs by those few hours.
    EXPECT_NEAR(monitor.status().online.ari, s.ari_online, 0.005) << FormatRfc3339(s.time_ms);
    EXPECT_EQ(monitor.status().online.customers, s.customers);
    // At ti itself, the daemon's live model gives simulate's value exactly: same model.
    const auto live = p.live_snapshot();
    auto at_ti = EvaluateDrift(store, s.time_ms, {&m0->spec, &m0->scaler, &m0->centroids},
                               {&m0->spec, &m0->scaler, &live->centroids});
    ASSERT_TRUE(at_ti.ok());
    EXPECT_EQ(at_ti->ari, s.ari_online) << FormatRfc3339(s.time_ms);
    // And the drift detector fed that evaluation says what simulate's said.
    const DriftVerdict v =
        detector.Observe({.time_ms = s.time_ms, .online = &*at_ti, .centroids = &live->centroids});
    EXPECT_EQ(v.active_customers, s.detector.active_customers) << FormatRfc3339(s.time_ms);
    EXPECT_EQ(v.alert, s.detector.alert) << FormatRfc3339(s.time_ms);
    EXPECT_EQ(v.reason, s.detector.reason) << FormatRfc3339(s.time_ms);
  }
}

// With the shipped config's event-time schedule, the daemon's drift history is simulate's
// evaluations. The daemon: one pipeline from the first event, the bootstrap baseline at the first
// boundary after model.bootstrap_min_customers, the drift monitor at every boundary after it.
// Simulate: t0 at that boundary, steps of drift.every_event_days, the drift section's detector.
// The same times and populations, the same online ARI and shares bit for bit (M0 is fitted on
// the same state with the same options, and the live model is the same: its mini-batches are cut
// by event count from the baseline on, whatever the micro-batches), and the same verdicts of the
// default detector. Only the refit differs by design (the daemon's is a cheaper fit: n_init 3,
// seeded by the baseline version), so refits are off here; the detector does not use them.
TEST(SimulateTest, DaemonEventTimeHistoryIsSimulatesEvaluations) {
  auto config = LoadConfigFile(std::string(SEGD_SOURCE_DIR) + "/config/segd.yaml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->drift.every_event_days, 14);
  ASSERT_EQ(config->drift.detector, "calibrated");
  config->model.n_init = 2;  // keep the test fast; both sides use it
  config->model.live_batch_events = 100;
  config->model.bootstrap_min_customers = 1500;
  config->drift.refit_every = 0;
  const int64_t shift = ParseRfc3339Ms("2018-01-01T00:00:00Z").value();
  auto events = LoadHistory({.generator = GeneratorOptions{.seed = 3,
                                                           .customers = 6000,
                                                           .drift = DriftKind::kSpendShift,
                                                           .drift_start_ms = shift,
                                                           .drift_factor = 4.0}});
  ASSERT_TRUE(events.ok());

  CountingDeadLetterSink dlq;
  MemoryStateStore store;
  IngestStats stats;
  std::vector<RawMessage> messages;
  for (size_t i = 0; i < events->size(); ++i) {
    messages.push_back({"orders", 3, int64_t(i), true, (*events)[i].key, (*events)[i].json});
  }
  IngestPipeline p({}, &store, &dlq, &stats,
                   [] { return ParseRfc3339Ms("2030-01-01T00:00:00Z").value(); });
  DriftMonitor monitor(config->drift, &store, &p, &stats);
  ASSERT_TRUE(p.Load(ToLifecycleOptions(config->model)).ok());
  ASSERT_TRUE(p.Process(messages, 777).ok());  // micro-batches of 777, not simulate's
  ASSERT_TRUE(p.live().has_baseline());
  const int64_t t0 = p.live().baseline()->watermark_ms;
  const auto records = monitor.history().Read(0, INT64_MAX, 1000, "")->records;

  SimulateOptions o;
  o.model = ToLifecycleOptions(config->model);
  o.start_ms = t0;
  o.step_days = config->drift.every_event_days;
  o.detector = ToDetectorOptions(config->drift);
  o.active_days = config->drift.active_days;
  o.starts = 1;
  auto r = Simulate(*events, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_GE(r->steps.size(), 20u);
  ASSERT_EQ(records.size(), r->steps.size()) << "bootstrap at " << FormatRfc3339(t0);
  EXPECT_EQ(r->c0_customers, p.live().baseline()->population);
  bool alerted = false;
  for (size_t i = 0; i < records.size(); ++i) {
    const DriftRecord& d = records[i];
    const SimulateStep& s = r->steps[i];
    SCOPED_TRACE(FormatRfc3339(s.time_ms));
    EXPECT_EQ(d.as_of_ms, s.time_ms);
    EXPECT_EQ(d.schedule, DriftSchedule::kEventTime);
    EXPECT_EQ(d.customers, s.customers);
    EXPECT_EQ(d.ari_online, s.ari_online);
    EXPECT_EQ(d.share_baseline, s.share_m0);
    EXPECT_EQ(d.share_live, s.share_online);
    EXPECT_EQ(d.detector, "calibrated");
    EXPECT_EQ(d.calibrating, s.detector.calibrating);
    EXPECT_EQ(d.policy.recommended, s.detector.alert);
    EXPECT_EQ(d.policy.severity, s.detector.severity);
    EXPECT_EQ(d.reason, s.detector.reason);
    if (s.detector.calibrating) {
      EXPECT_TRUE(std::isnan(d.statistic) && std::isnan(d.limit));
    } else {
      EXPECT_EQ(d.statistic, s.detector.statistic);
      EXPECT_EQ(d.limit, s.detector.limit);
    }
    alerted |= s.detector.alert;
  }
  EXPECT_TRUE(alerted) << "the 4x spend shift was never flagged";  // the verdicts compared vary
}

// The generated Olist-like history with a 4x spend shift from 2018-03-01: the online curve stays
// above 0.93 until the shift, then falls (the live model forgets with a 30-day half-life).
TEST(SimulateTest, GeneratedHistoryWithDriftCrossesOnlineAfterTheShift) {
  const int64_t shift = ParseRfc3339Ms("2018-03-01T00:00:00Z").value();
  auto events = LoadHistory({.generator = GeneratorOptions{.seed = 5,
                                                           .customers = 8000,
                                                           .drift = DriftKind::kSpendShift,
                                                           .drift_start_ms = shift,
                                                           .drift_factor = 4.0}});
  ASSERT_TRUE(events.ok());
  SimulateOptions o;
  o.model.train = {.k = 4, .n_init = 3, .silhouette_sample = 150};
  o.model.live = {.batch_events = 200, .minibatch = {.half_life_days = 30}};
  o.starts = 2;
  auto r = Simulate(*events, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(FormatRfc3339(r->start_ms), "2017-09-01T00:00:00Z");
  ASSERT_GE(r->steps.size(), 26u);
  EXPECT_EQ(r->rejected, 0u);
  double lowest_soon_after = 1;  // within four steps (8 weeks) of the shift
  for (const SimulateStep& s : r->steps) {
    if (s.time_ms < shift) {
      EXPECT_GE(s.ari_online, 0.93) << FormatRfc3339(s.time_ms);
    } else if (s.time_ms <= shift + 4 * 14 * kDay) {
      lowest_soon_after = std::min(lowest_soon_after, s.ari_online);
    }
  }
  EXPECT_LT(lowest_soon_after, 0.9);
  ASSERT_TRUE(r->online_below_threshold_ms.has_value());
  EXPECT_GT(*r->online_below_threshold_ms, shift);
  ASSERT_EQ(r->starts.size(), 2u);
  EXPECT_EQ(r->starts[1].start_ms, r->start_ms + 14 * kDay);
  EXPECT_EQ(r->starts[1].ari.size(), r->steps.size() - 1);
}

// The Kaggle layout: the five CSV files, written here for 400 customers over two years (the
// fixture in tests/fixtures/olist is too small to fit a model; simulate_history_test reads it).
TEST(SimulateTest, RunsOnTheOlistCsvLayout) {
  testing::TempDir dir;
  const std::string d = dir.Sub("olist");
  std::filesystem::create_directories(d);
  std::ofstream customers(d + "/olist_customers_dataset.csv"),
      orders(d + "/olist_orders_dataset.csv"), items(d + "/olist_order_items_dataset.csv"),
      payments(d + "/olist_order_payments_dataset.csv"),
      reviews(d + "/olist_order_reviews_dataset.csv");
  customers << "\"customer_id\",\"customer_unique_id\",\"customer_zip_code_prefix\","
               "\"customer_city\",\"customer_state\"\n";
  orders << "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
            "order_delivered_carrier_date,order_delivered_customer_date,"
            "order_estimated_delivery_date\n";
  items << "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value\n";
  payments << "order_id,payment_sequential,payment_type,payment_installments,payment_value\n";
  reviews << "review_id,order_id,review_score,review_comment_title,review_comment_message,"
             "review_creation_date,review_answer_timestamp\n";
  std::mt19937_64 rng(5);
  const int64_t begin = ParseRfc3339Ms("2017-01-01T12:00:00Z").value();
  int order = 0;
  for (int c = 0; c < 400; ++c) {
    const std::string cid = "c" + std::to_string(c), uid = "u" + std::to_string(c);
    customers << cid << "," << uid << ",01000,sao paulo,SP\n";
    const int n = c % 7 == 0 ? 3 : 1;
    for (int k = 0; k < n; ++k) {
      const std::string oid = "o" + std::to_string(order++);
      // Customer 0 orders on the first and the last day: the history spans exactly 700 days.
      const int64_t day = c == 0 ? (k == 0 ? 0 : 699) : int64_t(rng() % 700);
      const std::string when = FormatRfc3339(begin + day * kDay).substr(0, 19).replace(10, 1, " ");
      orders << oid << "," << cid << ",delivered," << when << "," << when << ",,,\n";
      const double price = 10 + double(rng() % 50000) / 100;
      items << oid << ",1,p1,s1," << when << "," << price << ",5.00\n";
      payments << oid << ",1,credit_card," << 1 + rng() % 6 << "," << price + 5 << "\n";
      reviews << "r" << oid << "," << oid << "," << 1 + rng() % 5 << ",,," << when << "," << when
              << "\n";
    }
  }
  for (auto* f : {&customers, &orders, &items, &payments, &reviews}) f->close();
  auto events = LoadHistory({.olist_dir = d});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  EXPECT_EQ(events->size(), 2u * order);  // a placement and a review per order
  SimulateOptions o;
  o.model.train = {.k = 3, .n_init = 2, .silhouette_sample = 200};
  auto r = Simulate(*events, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rejected, 0u);
  // 2017-01-01T15:00Z (12:00 in São Paulo) .. 2018-12-01T15:00Z: t0 at mid-history, 349.5 days
  // in, at midnight UTC, then 24 whole steps.
  EXPECT_EQ(FormatRfc3339(r->start_ms), "2017-12-17T00:00:00Z");
  ASSERT_EQ(r->steps.size(), 24u);
  EXPECT_GT(r->steps.back().customers, r->c0_customers);
  EXPECT_LE(r->steps.back().customers, 400u);
}

TEST(SimulateTest, RejectsAStartOutsideTheHistory) {
  auto events = Planted(false);
  SimulateOptions o = PlantedOptions();
  o.start_ms = ParseRfc3339Ms("2018-07-15T00:00:00Z").value();  // less than a step before the end
  auto r = Simulate(events, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("at least one step"), std::string::npos);
  o.start_ms = ParseRfc3339Ms("2017-01-01T00:00:30Z").value();  // too few customers yet
  r = Simulate(events, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot fit M0"), std::string::npos);
}

}  // namespace
}  // namespace segd
