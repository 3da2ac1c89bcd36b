#include "segd/state/rocksdb_state_store.h"

#include <gtest/gtest.h>

#include "segd/state/state_codec.h"
#include "testing/temp_dir.h"

namespace segd {
namespace {

StorageOptions At(const testing::TempDir& dir) {
  StorageOptions o;
  o.path = dir.Sub("db");
  o.block_cache_mb = 8;
  o.write_buffer_mb = 4;
  return o;
}

TEST(RocksDbStateStoreTest, CommitIsReadBackAfterReopen) {
  testing::TempDir dir;
  CustomerState c{.order_count = 2, .total_amount = 9.5, .region = "MG"};
  OrderRecord o{.placed = true, .placed_ms = 5, .amount = 9.5};
  const std::string okey = OrderKey("c1", "o1");
  {
    auto store = OpenRocksDbStateStore(At(dir));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    StateDelta d;
    d.customers.emplace_back("c1", &c);
    d.orders.emplace_back(okey, &o);
    d.event_ids.push_back("e1");
    d.progress.push_back({{"orders", 3}, {.next_offset = 17, .watermark_ms = 5, .applied = 1}});
    d.meta.emplace_back("model", "blob");
    ASSERT_TRUE((*store)->Commit(d).ok());
  }
  auto store = OpenRocksDbStateStore(At(dir));
  ASSERT_TRUE(store.ok());
  std::vector<std::optional<CustomerState>> cs;
  ASSERT_TRUE((*store)->GetCustomers({"c1", "nobody"}, &cs).ok());
  ASSERT_TRUE(cs[0].has_value());
  EXPECT_EQ(*cs[0], c);
  EXPECT_FALSE(cs[1].has_value());
  std::vector<bool> has;
  ASSERT_TRUE((*store)->HasEvents({"e0", "e1"}, &has).ok());
  EXPECT_EQ(has, (std::vector<bool>{false, true}));
  std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
  ASSERT_TRUE((*store)->ReadProgress(&progress).ok());
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0].first, (TopicPartition{"orders", 3}));
  EXPECT_EQ(progress[0].second.next_offset, 17);
  auto meta = (*store)->GetMeta("model");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->value_or(""), "blob");
}

TEST(RocksDbStateStoreTest, ScanOrdersStaysWithinOneCustomer) {
  testing::TempDir dir;
  auto store = OpenRocksDbStateStore(At(dir));
  ASSERT_TRUE(store.ok());
  OrderRecord o{.placed = true};
  const std::string k1 = OrderKey("ab", "1"), k2 = OrderKey("ab", "2"), k3 = OrderKey("abc", "1"),
                    k4 = OrderKey("a", "b1");
  StateDelta d;
  for (const std::string* k : {&k1, &k2, &k3, &k4}) d.orders.emplace_back(*k, &o);
  ASSERT_TRUE((*store)->Commit(d).ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(
      (*store)
          ->ScanOrders("ab", [&](std::string_view k, const OrderRecord&) { seen.emplace_back(k); })
          .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{k1, k2}));
}

TEST(RocksDbStateStoreTest, SecondWriterIsRefusedWithAClearMessage) {
  testing::TempDir dir;
  auto first = OpenRocksDbStateStore(At(dir));
  ASSERT_TRUE(first.ok());
  auto second = OpenRocksDbStateStore(At(dir));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find(At(dir).path), std::string::npos);
  EXPECT_NE(second.status().message().find("another segd"), std::string::npos);
  // A read-only inspector may open it while the writer runs.
  StorageOptions ro = At(dir);
  ro.read_only = true;
  EXPECT_TRUE(OpenRocksDbStateStore(ro).ok());
}

}  // namespace
}  // namespace segd
