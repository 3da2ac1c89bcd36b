// Event-time drift on many partitions, on the mock cluster: a two-year history produced into
// eight partitions and consumed by the real Kafka consumer (which delivers partitions unevenly)
// gets one evaluation per 14-day boundary, and each one sees exactly the customers a
// single-partition, in-order replay sees at that boundary: the same boundaries, the same
// population and the same baseline labels. Only the live model may differ (its mini-batches
// see the events of different partitions in another order): its ARI within a stated tolerance.
// And on such a replay, the bootstrap baseline and every evaluation happen at an event time every
// partition has reached: at each, every partition's committed offset is exactly its events
// before that time.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

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

// At each boundary, before the drift monitor evaluates it (and after the bootstrap fit that a
// boundary may bring): every partition's committed offset, as the store holds it.
class ProgressAtBoundaries : public EventTimeBoundaryListener {
 public:
  ProgressAtBoundaries(StateStore* store, int partitions, EventTimeBoundaryListener* monitor)
      : store_(store), partitions_(partitions), monitor_(monitor) {}
  StatusOr<bool> OnBoundary(int64_t boundary_ms) override {
    std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
    SEGD_RETURN_IF_ERROR(store_->ReadProgress(&progress));
    auto& at = seen[boundary_ms];
    at.assign(size_t(partitions_), 0);
    for (const auto& [tp, p] : progress) at.at(size_t(tp.partition)) = p.next_offset;
    return monitor_->OnBoundary(boundary_ms);
  }
  std::map<int64_t, std::vector<int64_t>> seen;

 private:
  StateStore* store_;
  int partitions_;
  EventTimeBoundaryListener* monitor_;
};

TEST_F(EventTimeDriftTest, BootstrapAndEveryEvaluationHappenWhereEveryPartitionHasArrived) {
  constexpr int kPartitions = 8;
  const int64_t step = 14 * kMillisPerDay;
  // Produced by customer into eight partitions, each in time order; the consumer then delivers
  // them as unevenly as the mock cluster does.
  const std::string topic = NewTopic(kPartitions);
  std::vector<std::vector<int64_t>> times(kPartitions);
  {
    auto producer = NewKafkaProducer({broker_->bootstrap_servers(), "test-producer", {}});
    ASSERT_TRUE(producer.ok());
    std::string json;
    ASSERT_TRUE(OlistGenerator({.seed = 17, .customers = 3000})
                    .Generate([&](const Event& e) {
                      json.clear();
                      AppendEventJson(e, &json);
                      const int32_t p = int32_t(std::hash<std::string>()(e.subject) % kPartitions);
                      times[size_t(p)].push_back(e.time_ms);
                      return (*producer)->Produce(topic, p, e.subject, json);
                    })
                    .ok());
    ASSERT_TRUE((*producer)->Flush(60000).ok());
  }
  const SegdConfig c = Config(topic, dir_.Sub("progress"));
  auto store = OpenRocksDbStateStore(c.storage);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  CountingDeadLetterSink dlq;
  IngestStats stats;
  IngestPipeline pipeline({}, store->get(), &dlq, &stats, [] { return kNow; });
  DriftMonitor drift(kDrift, store->get(), &pipeline, &stats);
  ProgressAtBoundaries progress(store->get(), kPartitions, &drift);
  pipeline.SetBoundaryListener(step, &progress);  // in front of the monitor
  ASSERT_TRUE(pipeline
                  .Load({.live = {.batch_events = 100},
                         .train = {.k = 4, .n_init = 2},
                         .bootstrap_min_customers = 300})
                  .ok());
  // No partition is let go for being idle: each boundary waits for every partition.
  IngestLoop loop({.batch_max_events = 500, .exit_when_caught_up = true, .align_idle_ms = 600'000},
                  &pipeline);
  auto source = NewKafkaMessageSource(c.kafka, &loop);
  ASSERT_TRUE(source.ok());
  std::atomic<bool> stop{false};
  ASSERT_TRUE(loop.Run(source->get(), stop).ok());
  uint64_t total = 0;
  for (const auto& t : times) total += t.size();
  EXPECT_EQ(stats.applied(), total);

  // Each partition's committed offset at `at_ms`: exactly its events before then.
  auto expect_reached = [&](int64_t at_ms) {
    ASSERT_TRUE(progress.seen.contains(at_ms)) << FormatRfc3339(at_ms);
    for (int p = 0; p < kPartitions; ++p) {
      const auto& t = times[size_t(p)];
      ASSERT_FALSE(t.empty());
      const int64_t before = std::lower_bound(t.begin(), t.end(), at_ms) - t.begin();
      EXPECT_EQ(progress.seen.at(at_ms)[size_t(p)], before)
          << FormatRfc3339(at_ms) << " partition " << p << " (of " << t.size() << " events)";
    }
  };
  ASSERT_TRUE(pipeline.live().has_baseline());
  const int64_t bootstrap = pipeline.live().baseline()->watermark_ms;
  EXPECT_EQ(bootstrap % step, 0) << FormatRfc3339(bootstrap);
  expect_reached(bootstrap);
  const auto records = All(drift.history());
  ASSERT_GT(records.size(), 40u);
  EXPECT_EQ(records.front().as_of_ms, bootstrap + step);  // evaluations start after the baseline
  for (const DriftRecord& r : records) {
    EXPECT_EQ(r.schedule, DriftSchedule::kEventTime);
    expect_reached(r.as_of_ms);
  }
  std::printf("bootstrap at %s, %zu evaluations, %zu boundaries checked on %d partitions\n",
              FormatRfc3339(bootstrap).c_str(), records.size(), progress.seen.size(), kPartitions);
}

}  // namespace
}  // namespace segd::testing
