// Aligned consumption: with an event-time schedule the ingest loop holds back a partition that
// has reached the next boundary until the others have, so every boundary is evaluated on exactly
// the events before it from every partition, even when the source delivers one partition after
// another (as the dev broker does during catch-up).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "segd/ingest/ingest_loop.h"
#include "segd/replay/olist_generator.h"
#include "segd/state/memory_state_store.h"
#include "testing/test_history.h"

namespace segd {
namespace {

const int64_t kNow = ParseRfc3339Ms("2030-01-01T00:00:00Z").value();
constexpr int64_t kStep = 14 * kMillisPerDay;
constexpr int kPartitions = 4;

// Delivers the whole of the first unpaused partition with messages left before the next one,
// `per_poll` messages at a time; pausing keeps a partition's place.
class SequentialSource : public MessageSource {
 public:
  SequentialSource(std::vector<std::vector<RawMessage>> partitions, PartitionListener* listener)
      : partitions_(std::move(partitions)), next_(partitions_.size(), 0), listener_(listener) {}

  Status Poll(int, size_t max_messages, std::vector<RawMessage>* out) override {
    if (!assigned_) {
      assigned_ = true;
      std::vector<int64_t> offsets;
      SEGD_RETURN_IF_ERROR(listener_->OnAssigned(Assignment(), &offsets));
    }
    for (size_t p = 0; p < partitions_.size(); ++p) {
      if (paused_.contains(int(p)) || next_[p] == partitions_[p].size()) continue;
      for (size_t n = 0; n < std::min<size_t>(max_messages, 50) && next_[p] < partitions_[p].size();
           ++n) {
        out->push_back(partitions_[p][next_[p]++]);
      }
      return Status::Ok();
    }
    return Status::Ok();
  }
  void CommitForMonitoring(const std::vector<std::pair<TopicPartition, int64_t>>&) override {}
  std::vector<TopicPartition> Assignment() const override {
    std::vector<TopicPartition> out;
    for (size_t p = 0; p < partitions_.size(); ++p) out.push_back({"orders", int32_t(p)});
    return out;
  }
  void Pause(const std::vector<TopicPartition>& tps) override {
    for (const auto& tp : tps) paused_.insert(tp.partition);
    ++pauses;
  }
  void Resume(const std::vector<TopicPartition>& tps) override {
    for (const auto& tp : tps) paused_.erase(tp.partition);
  }
  std::optional<int64_t> ReachedEnd(const TopicPartition& tp) const override {
    const size_t p = size_t(tp.partition);
    if (paused_.contains(tp.partition) || next_[p] < partitions_[p].size()) return std::nullopt;
    return int64_t(partitions_[p].size());
  }
  std::optional<int64_t> MeasuredEndOffset(const TopicPartition& tp) const override {
    return int64_t(partitions_[size_t(tp.partition)].size());
  }
  StatusOr<LogRange> QueryLogRange(const TopicPartition& tp, int) override {
    return LogRange{.low = 0, .high = int64_t(partitions_[size_t(tp.partition)].size())};
  }
  bool BrokersReachable() const override { return true; }
  Status Close() override { return listener_->OnRevoked(Assignment()); }

  int pauses = 0;

 private:
  std::vector<std::vector<RawMessage>> partitions_;
  std::vector<size_t> next_;
  std::set<int> paused_;
  PartitionListener* listener_;
  bool assigned_ = false;
};

// At each boundary: every partition's committed offset.
class ProgressAtBoundaries : public EventTimeBoundaryListener {
 public:
  explicit ProgressAtBoundaries(StateStore* store) : store_(store) {}
  StatusOr<bool> OnBoundary(int64_t boundary_ms) override {
    std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
    SEGD_RETURN_IF_ERROR(store_->ReadProgress(&progress));
    auto& at = seen[boundary_ms];
    at.assign(kPartitions, 0);
    for (const auto& [tp, p] : progress) at[size_t(tp.partition)] = p.next_offset;
    return false;
  }
  std::map<int64_t, std::vector<int64_t>> seen;

 private:
  StateStore* store_;
};

struct Partitioned {
  std::vector<std::vector<RawMessage>> messages{kPartitions};
  std::vector<std::vector<int64_t>> times{kPartitions};
  int64_t first = INT64_MAX, last = 0;
};

// A year of history, keyed by customer into partitions (each in time order).
Partitioned History() {
  Partitioned h;
  GeneratorOptions g{.seed = 9, .customers = 1500};
  g.start_ms = *ParseRfc3339Ms("2017-01-01T00:00:00Z");
  g.end_ms = *ParseRfc3339Ms("2018-01-01T00:00:00Z");
  EXPECT_TRUE(OlistGenerator(g)
                  .Generate([&](const Event& e) {
                    const size_t p = std::hash<std::string>()(e.subject) % kPartitions;
                    h.messages[p].push_back({"orders", int32_t(p), int64_t(h.messages[p].size()),
                                             true, e.subject, testing::ToContractJson(e)});
                    h.times[p].push_back(e.time_ms);
                    h.first = std::min(h.first, e.time_ms);
                    h.last = std::max(h.last, e.time_ms);
                    return Status::Ok();
                  })
                  .ok());
  return h;
}

struct Bootstrap {
  int64_t as_of_ms = 0;  // the bootstrap baseline's features time
  uint64_t population = 0;
};

std::map<int64_t, std::vector<int64_t>> Consume(const Partitioned& h, bool aligned,
                                                int* pauses = nullptr,
                                                Bootstrap* bootstrap = nullptr,
                                                size_t max_held = 100) {
  MemoryStateStore store;
  CountingDeadLetterSink dlq;
  IngestStats stats;
  IngestPipeline pipeline({}, &store, &dlq, &stats, [] { return kNow; });
  ProgressAtBoundaries listener(&store);
  pipeline.SetBoundaryListener(kStep, &listener);
  EXPECT_TRUE(
      pipeline
          .Load({.train = {.k = 3, .n_init = 1}, .bootstrap_min_customers = bootstrap ? 300u : 0u})
          .ok());
  IngestLoop loop({.batch_max_events = 200,
                   .batch_linger_ms = 1,
                   .poll_timeout_ms = 1,
                   .exit_when_caught_up = true,
                   .progress_log_interval_ms = 0,
                   .align_partitions = aligned,
                   .align_idle_ms = 60'000,
                   .align_max_held_messages = max_held},
                  &pipeline);
  SequentialSource source(h.messages, &loop);
  std::atomic<bool> stop{false};
  EXPECT_TRUE(loop.Run(&source, stop).ok());
  EXPECT_TRUE(loop.caught_up());
  uint64_t consumed = 0;
  for (const auto& [tp, p] : pipeline.progress()) consumed += uint64_t(p.next_offset);
  size_t total = 0;
  for (const auto& m : h.messages) total += m.size();
  EXPECT_EQ(consumed, total);
  EXPECT_EQ(stats.applied(), total);
  if (pauses) *pauses = source.pauses;
  if (bootstrap && pipeline.live().has_baseline()) {
    bootstrap->as_of_ms = pipeline.live().baseline()->watermark_ms;
    bootstrap->population = pipeline.live().baseline()->population;
  }
  return listener.seen;
}

TEST(AlignedConsumptionTest, EveryBoundarySeesExactlyTheEventsBeforeItOnEveryPartition) {
  const Partitioned h = History();
  int pauses = 0;
  const auto seen = Consume(h, /*aligned=*/true, &pauses);
  std::vector<int64_t> expected;
  for (int64_t b = BoundaryAfter(h.first, kStep); b <= h.last; b += kStep) expected.push_back(b);
  ASSERT_EQ(seen.size(), expected.size());
  EXPECT_GT(pauses, int(expected.size()));  // past 100 held messages, partitions were paused
  // Held in memory without pausing (a cap above the whole history), the cuts are the same.
  int no_pauses = 0;
  EXPECT_EQ(Consume(h, true, &no_pauses, nullptr, 1'000'000), seen);
  EXPECT_EQ(no_pauses, 0);
  for (int64_t b : expected) {
    ASSERT_TRUE(seen.contains(b)) << FormatRfc3339(b);
    for (int p = 0; p < kPartitions; ++p) {
      const auto& t = h.times[size_t(p)];
      const int64_t before = std::lower_bound(t.begin(), t.end(), b) - t.begin();
      EXPECT_EQ(seen.at(b)[size_t(p)], before) << FormatRfc3339(b) << " partition " << p;
    }
  }
}

TEST(AlignedConsumptionTest, TheBootstrapBaselineIsFittedAtABoundaryEveryPartitionReached) {
  const Partitioned h = History();
  Bootstrap bootstrap;
  const auto seen = Consume(h, /*aligned=*/true, nullptr, &bootstrap);
  ASSERT_GT(bootstrap.as_of_ms, 0) << "no bootstrap baseline";
  EXPECT_EQ(bootstrap.as_of_ms % kStep, 0);
  ASSERT_TRUE(seen.contains(bootstrap.as_of_ms));
  // Fitted on the state as of that boundary: every partition's events before it, no later one.
  uint64_t events_before = 0;
  for (int p = 0; p < kPartitions; ++p) {
    const auto& t = h.times[size_t(p)];
    const int64_t before = std::lower_bound(t.begin(), t.end(), bootstrap.as_of_ms) - t.begin();
    EXPECT_EQ(seen.at(bootstrap.as_of_ms)[size_t(p)], before) << "partition " << p;
    events_before += uint64_t(before);
  }
  EXPECT_GT(events_before, 300u);
  EXPECT_GE(bootstrap.population, 250u);  // customers with live orders among the 300+
  // The boundary before it had fewer than 300 customers (else the fit would have come then).
  EXPECT_LT(seen.begin()->first, bootstrap.as_of_ms);
}

TEST(AlignedConsumptionTest, WithoutAlignmentTheFirstPartitionRunsAhead) {
  // What alignment fixes: consumed one partition after another, the watermark is carried past
  // every boundary by the first partition alone, before any other partition is read.
  const Partitioned h = History();
  const auto seen = Consume(h, /*aligned=*/false);
  ASSERT_FALSE(seen.empty());
  const auto& [b, offsets] = *seen.rbegin();
  EXPECT_EQ(offsets[1] + offsets[2] + offsets[3], 0) << FormatRfc3339(b);
}

}  // namespace
}  // namespace segd
