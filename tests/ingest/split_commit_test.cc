// Process in micro-batches whose commits overlap the next batch's apply: whatever the split,
// the store ends up exactly as applying every event one by one, with the same counters.
// Real RocksDB, so the commit in flight really runs on another thread.
#include <gtest/gtest.h>

#include <map>

#include "segd/ingest/ingest_pipeline.h"
#include "segd/model/baseline_trainer.h"
#include "segd/state/rocksdb_state_store.h"
#include "testing/temp_dir.h"
#include "testing/test_history.h"

namespace segd {
namespace {

const int64_t kNow = ParseRfc3339Ms("2020-01-01T00:00:00Z").value();

// A fresh RocksDB store in a temp directory with a pipeline on it.
struct Fresh {
  testing::TempDir dir;
  std::unique_ptr<StateStore> store;
  IngestStats stats;
  CountingDeadLetterSink dlq;
  std::unique_ptr<IngestPipeline> p;

  explicit Fresh(const ModelLifecycleOptions& options = {}) {
    auto opened = OpenRocksDbStateStore({.path = dir.path() + "/db", .min_free_mb = 0});
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (!opened.ok()) return;
    store = std::move(*opened);
    p = std::make_unique<IngestPipeline>(DecoderOptions{}, store.get(), &dlq, &stats,
                                         [] { return kNow; });
    EXPECT_TRUE(p->Load(options).ok());
  }
};

struct Dump {
  std::map<std::string, CustomerState> customers;
  std::map<std::string, CustomerRecord> records;
  bool operator==(const Dump&) const = default;
};

Dump DumpOf(StateStore& store) {
  Dump d;
  EXPECT_TRUE(store
                  .ScanCustomers([&](std::string_view id, const CustomerState& s) {
                    d.customers.emplace(id, s);
                    return true;
                  })
                  .ok());
  d.records = testing::AllRecords(store);
  return d;
}

// The history, with every fourth event delivered again two messages later (a producer retry,
// so the copy lands in the next micro-batch for small splits) and a bad message every 50.
std::vector<RawMessage> Stream(const std::vector<testing::KeyedEvent>& history,
                               size_t* duplicates) {
  std::vector<const testing::KeyedEvent*> order;
  for (size_t i = 0; i < history.size(); ++i) {
    order.push_back(&history[i]);
    if (i >= 2 && (i - 2) % 4 == 0) order.push_back(&history[i - 2]);
  }
  *duplicates = order.size() - history.size();
  std::vector<RawMessage> out;
  for (const auto* e : order) {
    if (out.size() % 50 == 49) {
      out.push_back({"orders", 0, int64_t(out.size()), true, "k", "{not json"});
    }
    out.push_back({"orders", 0, int64_t(out.size()), true, e->key, e->json});
  }
  return out;
}

TEST(SplitCommitTest, AnySplitGivesTheStateOfOneByOneApplication) {
  const auto history = testing::MakeHistory(300, 31);
  size_t duplicates = 0;
  const std::vector<RawMessage> messages = Stream(history, &duplicates);
  const size_t rejected = messages.size() - history.size() - duplicates;
  ASSERT_GT(duplicates, 100u);
  ASSERT_GT(rejected, 5u);
  auto expected_store = testing::ExpectedState(history);
  const Dump expected = DumpOf(*expected_store);
  size_t orders = 0;
  for (const auto& [id, r] : expected.records) orders += r.orders.size();
  ASSERT_GT(orders, expected.customers.size());

  for (size_t split : {size_t(1), size_t(2), size_t(3), size_t(7), size_t(64), SIZE_MAX}) {
    SCOPED_TRACE("split " + std::to_string(split));
    Fresh f;
    ASSERT_NE(f.p, nullptr);
    IngestStats& stats = f.stats;
    IngestPipeline& p = *f.p;
    auto* store = &f.store;
    ASSERT_TRUE(p.Process(messages, split).ok());
    EXPECT_EQ(DumpOf(**store), expected);
    EXPECT_EQ(stats.applied(), history.size());
    EXPECT_EQ(stats.duplicates(), duplicates);
    EXPECT_EQ(stats.rejected_total(), rejected);
    EXPECT_EQ(stats.messages.load(), messages.size());
    EXPECT_EQ(f.dlq.count(), rejected);
    const size_t batches = split == SIZE_MAX ? 1 : (messages.size() + split - 1) / split;
    EXPECT_EQ(stats.batches.load(), batches);
    EXPECT_EQ(p.ResumeOffset({"orders", 0}), int64_t(messages.size()));
    std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
    ASSERT_TRUE((*store)->ReadProgress(&progress).ok());
    ASSERT_EQ(progress.size(), 1u);
    EXPECT_EQ(progress[0].second.next_offset, int64_t(messages.size()));
    EXPECT_EQ(progress[0].second.applied, history.size());
    EXPECT_EQ(progress[0].second.duplicates, duplicates);
    EXPECT_EQ(progress[0].second.rejected, rejected);
    // Processing the same messages again changes nothing: all are below the committed offset.
    ASSERT_TRUE(p.Process(messages, split).ok());
    EXPECT_EQ(stats.stale_messages.load(), messages.size());
    EXPECT_EQ(DumpOf(**store), expected);
  }
}

// With a bootstrap at 120 customers and a live model: the baseline is fitted at the same event,
// and the stored baseline, live model and customer count are identical whatever the split.
TEST(SplitCommitTest, BootstrapAndLiveModelDoNotDependOnTheSplit) {
  const auto history = testing::MakeHistory(400, 32);
  size_t duplicates = 0;
  const std::vector<RawMessage> messages = Stream(history, &duplicates);
  const ModelLifecycleOptions options{.live = {.batch_events = 50},
                                      .train = {.k = 3, .n_init = 2, .seed = 4},
                                      .bootstrap_min_customers = 120};
  struct Stored {
    std::string baseline, live, customers;
    bool operator==(const Stored&) const = default;
  };
  std::optional<Stored> first;
  for (size_t split : {SIZE_MAX, size_t(1), size_t(5), size_t(64)}) {
    SCOPED_TRACE("split " + std::to_string(split));
    Fresh f(options);
    ASSERT_NE(f.p, nullptr);
    IngestStats& stats = f.stats;
    IngestPipeline& p = *f.p;
    auto* store = &f.store;
    ASSERT_TRUE(p.Process(messages, split).ok());
    EXPECT_EQ(stats.retrains[0].load(), 1u);  // one bootstrap
    EXPECT_EQ(p.customers(), 400u);
    auto baseline = LoadCurrentBaseline(**store);
    ASSERT_TRUE(baseline.ok() && baseline->has_value());
    (*baseline)->trained_unix_ms = 0;
    auto live = (*store)->GetMeta("model/live");
    auto customers = (*store)->GetMeta("stats/customers");
    ASSERT_TRUE(live.ok() && live->has_value() && customers.ok() && customers->has_value());
    const Stored stored{(*baseline)->Encode(), **live, **customers};
    EXPECT_EQ(stored.live, p.live().Encode());  // what is published is what was committed
    if (!first) first = stored;
    EXPECT_EQ(stored, *first);
  }
}

}  // namespace
}  // namespace segd
