// A store written by the release before storage format 2 (tests/fixtures/store-v1: the real
// segd of that release consumed a generated history twice, plus malformed events) is migrated in
// place by today's `segd migrate`: every customer's state and every order equal what the history
// gives, the progress, models and drift history survive, and every event of the history delivered
// again afterwards is recognised as a duplicate (the migrated orders keep the old event-id index).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "segd/replay/olist_generator.h"
#include "segd/state/event_applier.h"
#include "segd/state/rocksdb_state_store.h"
#include "testing/child_process.h"
#include "testing/temp_dir.h"
#include "testing/test_history.h"

namespace segd::testing {
namespace {

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";
const std::string kFixture = std::string(SEGD_SOURCE_DIR) + "/tests/fixtures/store-v1";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(MigrationTest, StoreOfThePreviousReleaseIsMigratedAndEveryCustomerIsExact) {
  TempDir dir;
  ASSERT_EQ(std::system(("tar -xzf " + kFixture + "/v1-store.tar.gz -C " + dir.path()).c_str()), 0);
  const std::string path = dir.Sub("v1-store");

  // The history the fixture's segd consumed (twice): segd-replay generate --customers 800 --seed 7.
  std::vector<Event> history;
  auto options = WithDays({.seed = 7, .customers = 800}, GeneratorDays{});  // as the tool does
  ASSERT_TRUE(options.ok());
  ASSERT_TRUE(OlistGenerator(*options)
                  .Generate([&](const Event& e) {
                    history.push_back(e);
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(history.size(), 1546u);
  // Format 1 kept every order: so does the expected state (nothing folded).
  auto expected = std::make_unique<MemoryStateStore>();
  for (const Event& e : history) {
    MicroBatch batch(expected.get());
    ASSERT_TRUE(
        EventApplier::Apply(e, &batch, {.horizon_ms = INT64_MAX / 2, .max_orders = 1 << 20}).ok());
    ASSERT_TRUE(expected->Commit(batch.Delta()).ok());
  }

  const std::string config = dir.Sub("segd.yaml");
  std::ofstream(config) << "storage:\n  path: " << path << "\n";
  const std::string log = dir.Sub("migrate.log");
  ChildProcess migrate({kSegd, "--config", config, "migrate"}, {}, log);
  ASSERT_EQ(migrate.Wait(std::chrono::seconds(60)), std::optional<int>(0)) << ReadAll(log);
  const std::string text = ReadAll(log);
  EXPECT_NE(text.find("migrating " + path + " from storage format 1 to 2"), std::string::npos)
      << text;
  EXPECT_NE(text.find("800 customers and 827 orders moved"), std::string::npos) << text;

  StorageOptions o;
  o.path = path;
  auto store = OpenRocksDbStateStore(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const auto got = AllRecords(**store);
  const auto want = AllRecords(*expected);
  ASSERT_EQ(got.size(), 800u);
  ASSERT_EQ(want.size(), 800u);
  for (const auto& [id, w] : want) {
    auto it = got.find(id);
    ASSERT_NE(it, got.end()) << id;
    const CustomerRecord& g = it->second;
    EXPECT_EQ(g.state, w.state) << id;
    ASSERT_EQ(g.orders.size(), w.orders.size()) << id;
    for (size_t i = 0; i < w.orders.size(); ++i) {
      EXPECT_EQ(g.orders[i].order_id, w.orders[i].order_id) << id;
      EXPECT_EQ(g.orders[i].record, w.orders[i].record) << id;
      EXPECT_TRUE(g.orders[i].legacy) << id;
    }
  }

  // Progress, models and the drift history are where they were.
  std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
  ASSERT_TRUE((*store)->ReadProgress(&progress).ok());
  PartitionProgress sum;
  for (const auto& [tp, p] : progress) {
    sum.applied += p.applied;
    sum.duplicates += p.duplicates;
    sum.rejected += p.rejected;
  }
  EXPECT_EQ(progress.size(), 8u);
  EXPECT_EQ(sum.applied, 1546u);
  EXPECT_EQ(sum.duplicates, 1546u);
  EXPECT_EQ(sum.rejected, 5u);
  size_t evaluations = 0, models = 0;
  ASSERT_TRUE((*store)
                  ->ScanMeta("", "",
                             [&](std::string_view name, std::string_view) {
                               if (name.starts_with("drift/")) ++evaluations;
                               if (name == "model/live") ++models;
                               if (name == "baseline/versions") ++models;
                               return true;
                             })
                  .ok());
  EXPECT_EQ(evaluations, 14u);
  EXPECT_EQ(models, 2u);

  // The whole history once more: nothing applies, every event is known by its id.
  MicroBatch batch(store->get());
  std::map<ApplyOutcome, size_t> outcomes;
  for (const Event& e : history) ++outcomes[*EventApplier::Apply(e, &batch)];
  EXPECT_EQ(outcomes[ApplyOutcome::kDuplicateEvent], history.size());
  ASSERT_TRUE((*store)->Commit(batch.Delta()).ok());
  for (const auto& [id, w] : want) EXPECT_EQ(AllRecords(**store)[id].state, w.state) << id;
}

}  // namespace
}  // namespace segd::testing
