// Event-time drift on many partitions, on the mock cluster: a two-year history produced into
// eight partitions and consumed by the real Kafka consumer (which delivers partitions unevenly)
// gets one evaluation per 14-day boundary, and each one sees exactly the customers a
// single-partition, in-order replay sees at that boundary: the same boundaries, the same
// population and the same baseline labels. Only the live model may differ (its mini-batches
// see the events of different partitions in another order): its ARI within a stated tolerance.
#include <gtest/gtest.h>

#include "app/drift_monitor.h"
#include "integration/kafka_test_env.h"
#include "segd/model/baseline_trainer.h"
#include "segd/replay/event_json_writer.h"
#include "segd/replay/olist_generator.h"

namespace segd::testing {
namespace {

const int64_t kNow = ParseRfc3339Ms("2020-01-01T00:00:00Z").value();
const DriftConfig kDrift{.every_seconds = 3600, .every_event_days = 14, .refit_every = 0};
const ModelLifecycleOptions kModel{.live = {.batch_events = 100}};
// Live-model ARI, many partitions against one: at most 0.0145-0.0216 apart in ten runs here.
constexpr double kLiveTolerance = 0.05;

class EventTimeDriftTest : public KafkaTestEnv {};

std::vector<DriftRecord> All(const DriftHistory& h) {
  auto page = h.Read(0, INT64_MAX, 100000, "");
  EXPECT_TRUE(page.ok());
  return page.ok() ? page->records : std::vector<DriftRecord>{};
}

TEST_F(EventTimeDriftTest, ManyPartitionsEvaluateTheSameBoundariesOverTheSameCustomers) {
  std::vector<KeyedEvent> history;
  std::vector<RawMessage> in_order;
  std::string json;
  ASSERT_TRUE(OlistGenerator({.seed = 31, .customers = 3000})
                  .Generate([&](const Event& e) {
                    json.clear();
                    AppendEventJson(e, &json);
                    history.push_back({e.subject, json, e});
                    in_order.push_back({"t", 0, int64_t(in_order.size()), true, e.subject, json});
                    return Status::Ok();
                  })
                  .ok());
  // One baseline for both runs, fitted on the first 300 customers (as a bootstrap would).
  CountingDeadLetterSink dlq;
  BaselineModel baseline;
  {
    MemoryStateStore s;
    IngestStats stats;
    IngestPipeline p({}, &s, &dlq, &stats, [] { return kNow; });
    ASSERT_TRUE(p.Load({.train = {.k = 4, .n_init = 3}, .bootstrap_min_customers = 300}).ok());
    ASSERT_TRUE(p.Process(in_order).ok());
    baseline = *p.live().baseline();
  }
  // Reference: one partition, in event-time order.
  MemoryStateStore reference;
  IngestStats ref_stats;
  ASSERT_TRUE(SaveBaseline(reference, baseline, 2).ok());
  IngestPipeline ref_pipeline({}, &reference, &dlq, &ref_stats, [] { return kNow; });
  DriftMonitor ref_drift(kDrift, &reference, &ref_pipeline, &ref_stats);
  ASSERT_TRUE(ref_pipeline.Load(kModel).ok());
  ASSERT_TRUE(ref_pipeline.Process(in_order, 500).ok());
  const auto want = All(ref_drift.history());

  // Eight partitions on the mock cluster, the real consumer, aligned consumption.
  const std::string topic = NewTopic(8);
  Produce(topic, history);
  const SegdConfig c = Config(topic, dir_.Sub("state"));
  auto store = OpenRocksDbStateStore(c.storage);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(SaveBaseline(**store, baseline, 2).ok());
  IngestStats stats;
  IngestPipeline pipeline({}, store->get(), &dlq, &stats, [] { return kNow; });
  DriftMonitor drift(kDrift, store->get(), &pipeline, &stats);
  ASSERT_TRUE(pipeline.Load(kModel).ok());
  IngestLoop loop({.batch_max_events = 500, .exit_when_caught_up = true}, &pipeline);
  auto source = NewKafkaMessageSource(c.kafka, &loop);
  ASSERT_TRUE(source.ok());
  std::atomic<bool> stop{false};
  ASSERT_TRUE(loop.Run(source->get(), stop).ok());
  EXPECT_EQ(stats.applied(), history.size());
  const auto got = All(drift.history());

  ASSERT_GT(want.size(), 50u);  // the whole two years
  ASSERT_EQ(got.size(), want.size());
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(FormatRfc3339(want[i].as_of_ms));
    EXPECT_EQ(got[i].as_of_ms, want[i].as_of_ms);
    EXPECT_EQ(got[i].customers, want[i].customers);            // the same population
    EXPECT_EQ(got[i].share_baseline, want[i].share_baseline);  // the same baseline labels
    worst = std::max(worst, std::abs(got[i].ari_online - want[i].ari_online));
  }
  std::printf("evaluations: %zu; live-model ARI, 8 partitions vs 1: largest difference %.4f\n",
              want.size(), worst);
  EXPECT_LE(worst, kLiveTolerance);
}

}  // namespace
}  // namespace segd::testing
