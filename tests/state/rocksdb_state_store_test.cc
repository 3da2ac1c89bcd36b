#include "segd/state/rocksdb_state_store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "segd/state/event_applier.h"
#include "segd/state/state_codec.h"
#include "testing/temp_dir.h"
#include "testing/test_history.h"

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
  CustomerRecord c;
  c.state = {.order_count = 1, .total_amount = 9.5, .region = "MG", .updated_ms = 5};
  c.orders.push_back({.order_id = "o1",
                      .record = {.placed = true, .placed_ms = 5, .amount = 9.5},
                      .last_ms = 5,
                      .event_ids = {EventIdHash("e1")}});
  {
    auto store = OpenRocksDbStateStore(At(dir));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    StateDelta d;
    d.customers.emplace_back("c1", &c);
    d.progress.push_back({{"orders", 3}, {.next_offset = 17, .watermark_ms = 5, .applied = 1}});
    d.meta.emplace_back("model", "blob");
    ASSERT_TRUE((*store)->Commit(d).ok());
  }
  auto store = OpenRocksDbStateStore(At(dir));
  ASSERT_TRUE(store.ok());
  std::vector<std::optional<CustomerState>> cs;
  ASSERT_TRUE((*store)->GetCustomers({"c1", "nobody"}, &cs).ok());
  ASSERT_TRUE(cs[0].has_value());
  EXPECT_EQ(*cs[0], c.state);
  EXPECT_FALSE(cs[1].has_value());
  std::vector<std::optional<CustomerRecord>> rs;
  ASSERT_TRUE((*store)->GetRecords({"nobody", "c1"}, &rs).ok());
  EXPECT_FALSE(rs[0].has_value());
  ASSERT_TRUE(rs[1].has_value());
  EXPECT_EQ(*rs[1], c);
  std::vector<bool> has;
  ASSERT_TRUE((*store)->HasLegacyEvents({"e1"}, &has).ok());
  EXPECT_EQ(has, std::vector<bool>{false});  // a format-2 store has no legacy index
  std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
  ASSERT_TRUE((*store)->ReadProgress(&progress).ok());
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0].first, (TopicPartition{"orders", 3}));
  EXPECT_EQ(progress[0].second.next_offset, 17);
  auto meta = (*store)->GetMeta("model");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->value_or(""), "blob");
  auto format = (*store)->GetMeta("storage/format");
  ASSERT_TRUE(format.ok());
  EXPECT_EQ(format->value_or(""), "2");
}

// A store as releases before storage format 2 wrote it: column families customers (state
// only), orders (by OrderKeyV1), events (applied ids), progress and default (meta).
class FormatOneStore {
 public:
  explicit FormatOneStore(const std::string& path) {
    rocksdb::DBOptions o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* name : {"default", "customers", "orders", "events", "progress"}) {
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* raw = nullptr;
    EXPECT_TRUE(rocksdb::DB::Open(o, path, cfs, &handles_, &raw).ok());
    db_.reset(raw);
  }
  ~FormatOneStore() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
  }
  void Customer(const std::string& id, const CustomerState& s) {
    std::string v;
    EncodeCustomerStateV1(s, &v);
    EXPECT_TRUE(db_->Put({}, handles_[1], id, v).ok());
  }
  void Order(const std::string& customer, const std::string& order, const OrderRecord& r) {
    std::string v;
    EncodeOrderRecordV1(r, &v);
    EXPECT_TRUE(db_->Put({}, handles_[2], OrderKeyV1(customer, order), v).ok());
  }
  void EventId(const std::string& id) { EXPECT_TRUE(db_->Put({}, handles_[3], id, "").ok()); }
  void Meta(const std::string& k, const std::string& v) {
    EXPECT_TRUE(db_->Put({}, handles_[0], k, v).ok());
  }

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

std::vector<std::string> ColumnFamilies(const std::string& path) {
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(RocksDbStateStoreTest, FormatOneStoreIsMigratedInPlace) {
  testing::TempDir dir;
  const StorageOptions o = At(dir);
  const CustomerState a{.first_order_ms = 1000,
                        .last_order_ms = 1000,
                        .order_count = 1,
                        .total_amount = 10,
                        .item_sum = 1,
                        .installment_sum = 1,
                        .review_score_sum = 4,
                        .review_count = 1,
                        .region = "SP",
                        .updated_ms = 3000};
  const OrderRecord placed{.placed = true,
                           .placed_ms = 1000,
                           .amount = 10,
                           .items = 1,
                           .installments = 1,
                           .review_score = 4,
                           .review_ms = 2000};
  const OrderRecord canceled_first{.canceled = true};
  {
    FormatOneStore v1(o.path);
    v1.Customer("a", a);
    v1.Order("a", "o1", placed);
    v1.Order("a", "o2", canceled_first);
    v1.Customer("ab", CustomerState{.updated_ms = 5});  // "a"'s orders must not leak into it
    v1.EventId("e-placed");
    v1.EventId("e-review");
    v1.EventId("e-cancel");
    v1.Meta("model.current", "blob");
  }
  auto store = OpenRocksDbStateStore(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::vector<std::optional<CustomerRecord>> rs;
  ASSERT_TRUE((*store)->GetRecords({"a", "ab"}, &rs).ok());
  ASSERT_TRUE(rs[0] && rs[1]);
  EXPECT_EQ(rs[0]->state, a);
  ASSERT_EQ(rs[0]->orders.size(), 2u);
  EXPECT_EQ(rs[0]->orders[0].order_id, "o1");
  EXPECT_EQ(rs[0]->orders[0].record, placed);
  EXPECT_EQ(rs[0]->orders[0].last_ms, 2000);
  EXPECT_TRUE(rs[0]->orders[0].legacy);
  EXPECT_EQ(rs[0]->orders[1].order_id, "o2");
  EXPECT_EQ(rs[0]->orders[1].record, canceled_first);
  EXPECT_EQ(rs[0]->orders[1].last_ms, 3000);  // no time of its own: the customer's latest
  EXPECT_TRUE(rs[1]->orders.empty());
  EXPECT_EQ((*store)->GetMeta("model.current")->value_or(""), "blob");
  // The applied event ids still count as applied, for the migrated orders.
  MicroBatch batch(store->get());
  Event again;
  again.type = EventType::kReviewSubmitted;
  again.id = "e-review";
  again.subject = "a";
  again.order_id = "o1";
  again.time_ms = 2000;
  again.score = 4;
  EXPECT_EQ(*EventApplier::Apply(again, &batch), ApplyOutcome::kDuplicateEvent);
  again.id = "e-review-2";  // a new review at the same time replaces the score
  again.score = 1;
  EXPECT_EQ(*EventApplier::Apply(again, &batch), ApplyOutcome::kApplied);
  store->reset();
  EXPECT_EQ(ColumnFamilies(o.path),
            (std::vector<std::string>{"customers", "default", "events", "progress"}));
}

TEST(RocksDbStateStoreTest, InterruptedMigrationGoesOnAtTheNextOpen) {
  testing::TempDir dir;
  StorageOptions o = At(dir);
  std::map<std::string, CustomerState> states;
  {
    FormatOneStore v1(o.path);
    for (int i = 0; i < 2500; ++i) {
      const std::string id = "c" + std::to_string(i);
      CustomerState s{.first_order_ms = i,
                      .last_order_ms = i,
                      .order_count = 1,
                      .total_amount = i * 0.25,
                      .item_sum = 1,
                      .installment_sum = 1,
                      .updated_ms = i};
      v1.Customer(id, s);
      v1.Order(id, "o" + std::to_string(i), {.placed = true, .placed_ms = i, .amount = i * 0.25});
      states[id] = s;
    }
  }
  o.stop_migration_after = 1200;  // as a crash would, after the first customers
  auto stopped = OpenRocksDbStateStore(o);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().code(), StatusCode::kCancelled);
  o.stop_migration_after = 0;
  auto store = OpenRocksDbStateStore(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const auto records = testing::AllRecords(**store);
  ASSERT_EQ(records.size(), states.size());
  for (const auto& [id, r] : records) {
    EXPECT_EQ(r.state, states[id]) << id;
    ASSERT_EQ(r.orders.size(), 1u) << id;  // exactly once, whichever open moved it
    EXPECT_EQ(r.orders[0].order_id, "o" + id.substr(1));
  }
  store->reset();
  // No event ids were kept, so no legacy index either.
  EXPECT_EQ(ColumnFamilies(o.path), (std::vector<std::string>{"customers", "default", "progress"}));
}

TEST(RocksDbStateStoreTest, StoreOfANewerFormatIsRefused) {
  testing::TempDir dir;
  {
    auto store = OpenRocksDbStateStore(At(dir));
    ASSERT_TRUE(store.ok());
    StateDelta d;
    d.meta.emplace_back("storage/format", "3");
    ASSERT_TRUE((*store)->Commit(d).ok());
  }
  auto store = OpenRocksDbStateStore(At(dir));
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("newer segd"), std::string::npos)
      << store.status().message();
}

TEST(RocksDbStateStoreTest, SecondWriterIsRefusedWithAClearMessage) {
  testing::TempDir dir;
  auto first = OpenRocksDbStateStore(At(dir));
  ASSERT_TRUE(first.ok());
  auto second = OpenRocksDbStateStore(At(dir));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find(At(dir).path), std::string::npos);
  EXPECT_NE(second.status().message().find("another segd"), std::string::npos);
  // A read-only inspector may open it while the writer runs, and leaves no directory behind.
  StorageOptions ro = At(dir);
  ro.read_only = true;
  const auto leftovers = [] {
    const std::string prefix = "segd-secondary-" + std::to_string(::getpid()) + "-";
    int n = 0;
    for (const auto& e :
         std::filesystem::directory_iterator(std::filesystem::temp_directory_path())) {
      if (e.path().filename().string().starts_with(prefix)) ++n;
    }
    return n;
  };
  {
    auto reader = OpenRocksDbStateStore(ro);
    EXPECT_TRUE(reader.ok());
    EXPECT_EQ(leftovers(), 1);
  }
  EXPECT_EQ(leftovers(), 0);
}

TEST(RocksDbStateStoreTest, CustomerSnapshotKeepsItsViewWhileCommitsGoOn) {
  testing::TempDir dir;
  auto store = OpenRocksDbStateStore(At(dir));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto commit = [&](const std::vector<std::pair<std::string, uint32_t>>& counts) {
    std::vector<CustomerRecord> records(counts.size());
    StateDelta d;
    for (size_t i = 0; i < counts.size(); ++i) {
      records[i].state.order_count = counts[i].second;
      d.customers.emplace_back(counts[i].first, &records[i]);
    }
    ASSERT_TRUE((*store)->Commit(d).ok());
  };
  commit({{"a", 1}, {"c", 3}, {"e", 5}});
  auto snapshot = (*store)->SnapshotCustomers();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  commit({{"a", 10}, {"b", 2}, {"d", 4}, {"f", 6}});
  auto scan = [&](std::string_view after) {
    std::vector<std::pair<std::string, uint32_t>> seen;
    EXPECT_TRUE((*snapshot)
                    ->Scan(after,
                           [&](std::string_view id, const CustomerRecord& r) {
                             seen.emplace_back(id, r.state.order_count);
                             return true;
                           })
                    .ok());
    return seen;
  };
  using Seen = std::vector<std::pair<std::string, uint32_t>>;
  EXPECT_EQ(scan(""), (Seen{{"a", 1}, {"c", 3}, {"e", 5}}));
  EXPECT_EQ(scan("a"), (Seen{{"c", 3}, {"e", 5}}));  // after a stored id
  EXPECT_EQ(scan("b"), (Seen{{"c", 3}, {"e", 5}}));  // after an id the view does not hold
  EXPECT_EQ(scan("e"), Seen{});
  snapshot->reset();  // released before the store closes
}

}  // namespace
}  // namespace segd
