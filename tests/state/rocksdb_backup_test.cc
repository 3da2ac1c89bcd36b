// Backup and restore of the RocksDB state store on real RocksDB in temp directories:
// StateStore::Backup and RestoreRocksDbStore.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "segd/state/event_applier.h"
#include "segd/state/rocksdb_state_store.h"
#include "testing/temp_dir.h"
#include "testing/test_history.h"

namespace segd {
namespace {

using Progress = std::vector<std::pair<TopicPartition, PartitionProgress>>;

StorageOptions At(const std::string& path) {
  StorageOptions o;
  o.path = path;
  o.block_cache_mb = 8;
  o.write_buffer_mb = 4;
  return o;
}

std::unique_ptr<StateStore> Open(const std::string& path) {
  auto store = OpenRocksDbStateStore(At(path));
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

// Applies events [from, to) of `history` in micro-batches of 50, each committing the offsets
// of partition orders[0] (offset = event index) and a meta blob, as the pipeline does.
void Ingest(StateStore& store, const std::vector<testing::KeyedEvent>& history, size_t from,
            size_t to) {
  for (size_t start = from; start < to; start += 50) {
    MicroBatch batch(&store);
    const size_t end = std::min(to, start + 50);
    for (size_t i = start; i < end; ++i)
      ASSERT_TRUE(EventApplier::Apply(history[i].event, &batch).ok());
    batch.SetProgress({"orders", 0}, {.next_offset = int64_t(end), .applied = end});
    batch.PutMeta("model/live", "after " + std::to_string(end));
    ASSERT_TRUE(store.Commit(batch.Delta()).ok());
  }
}

struct Snapshot {
  std::map<std::string, CustomerRecord> records;
  Progress progress;
  std::optional<std::string> meta;
  bool operator==(const Snapshot&) const = default;
};

Snapshot Take(StateStore& store) {
  Snapshot s;
  s.records = testing::AllRecords(store);
  EXPECT_TRUE(store.ReadProgress(&s.progress).ok());
  auto meta = store.GetMeta("model/live");
  EXPECT_TRUE(meta.ok());
  if (meta.ok()) s.meta = *meta;
  return s;
}

Snapshot TakeAt(const std::string& path) {
  auto store = Open(path);
  return store ? Take(*store) : Snapshot{};
}

class RocksDbBackupTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  const std::vector<testing::KeyedEvent> history_ = testing::MakeHistory(400, 3);
  const std::string store_ = dir_.Sub("store"), backups_ = dir_.Sub("backups");
};

TEST_F(RocksDbBackupTest, RestoreGivesEveryRecordProgressAndMetaOfTheBackup) {
  Snapshot at_backup;
  StoreBackup taken;
  {
    auto store = Open(store_);
    Ingest(*store, history_, 0, 300);
    at_backup = Take(*store);
    auto backup = store->Backup({.dir = backups_, .note = "unit test"});
    ASSERT_TRUE(backup.ok()) << backup.status().ToString();
    taken = *backup;
    Ingest(*store, history_, 300, history_.size());  // after the backup: not in it
  }
  EXPECT_EQ(taken.id, 1u);
  EXPECT_EQ(taken.note, "unit test");
  EXPECT_EQ(taken.customers, at_backup.records.size());
  EXPECT_EQ(taken.progress, at_backup.progress);
  EXPECT_EQ(taken.kept, std::vector<uint32_t>{1});
  EXPECT_GT(taken.size_bytes, 0u);
  EXPECT_GT(taken.created_unix_s, 1'600'000'000);
  ASSERT_GT(at_backup.records.size(), 50u);
  ASSERT_EQ(at_backup.progress.size(), 1u);
  EXPECT_EQ(at_backup.progress[0].second.next_offset, 300);

  std::filesystem::remove_all(store_);  // the disk is lost
  auto restored = RestoreRocksDbStore(backups_, std::nullopt, false, At(store_));
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->id, 1u);
  EXPECT_EQ(restored->progress, at_backup.progress);
  EXPECT_EQ(restored->customers, at_backup.records.size());
  const Snapshot now = TakeAt(store_);
  EXPECT_EQ(now.records, at_backup.records);
  EXPECT_EQ(now.progress, at_backup.progress);
  EXPECT_EQ(now.meta, std::optional<std::string>("after 300"));
  // Nothing left beside it.
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub(".store.restoring")));
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub(".store.old")));
}

TEST_F(RocksDbBackupTest, KeepsTheNewestBackupsAndRestoresAChosenOne) {
  std::map<uint32_t, Snapshot> at;
  {
    auto store = Open(store_);
    for (size_t end : {100, 200, 300}) {
      Ingest(*store, history_, end - 100, end);
      auto b = store->Backup({.dir = backups_, .keep = 2});
      ASSERT_TRUE(b.ok()) << b.status().ToString();
      at[b->id] = Take(*store);
    }
  }
  ASSERT_EQ(at.size(), 3u);
  const std::string target = dir_.Sub("restored");
  auto two = RestoreRocksDbStore(backups_, 2, false, At(target));
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(two->kept, (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(TakeAt(target), at[2]);
  auto latest = RestoreRocksDbStore(backups_, std::nullopt, /*force=*/true, At(target));
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(latest->id, 3u);
  EXPECT_EQ(TakeAt(target), at[3]);
  auto purged = RestoreRocksDbStore(backups_, 1, true, At(target));
  ASSERT_FALSE(purged.ok());
  EXPECT_EQ(purged.status().code(), StatusCode::kNotFound);
  EXPECT_NE(purged.status().message().find("it holds: 2, 3"), std::string::npos)
      << purged.status().message();
  EXPECT_EQ(TakeAt(target), at[3]);  // untouched
}

TEST_F(RocksDbBackupTest, RestoreRefusesANonEmptyTargetWithoutForce) {
  {
    auto store = Open(store_);
    Ingest(*store, history_, 0, 100);
    ASSERT_TRUE(store->Backup({.dir = backups_}).ok());
  }
  const std::string target = dir_.Sub("other");
  {
    auto other = Open(target);
    Ingest(*other, history_, 200, 250);
  }
  const Snapshot before = TakeAt(target);
  auto refused = RestoreRocksDbStore(backups_, std::nullopt, false, At(target));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("not empty"), std::string::npos);
  EXPECT_NE(refused.status().message().find("--force"), std::string::npos);
  EXPECT_EQ(TakeAt(target), before);
  // A file that is not a store counts too.
  const std::string cluttered = dir_.Sub("cluttered");
  std::filesystem::create_directories(cluttered);
  std::ofstream(cluttered + "/notes.txt") << "keep me";
  EXPECT_FALSE(RestoreRocksDbStore(backups_, std::nullopt, false, At(cluttered)).ok());
  EXPECT_TRUE(std::filesystem::exists(cluttered + "/notes.txt"));
  // An empty directory is fine.
  std::filesystem::create_directories(dir_.Sub("empty"));
  EXPECT_TRUE(RestoreRocksDbStore(backups_, std::nullopt, false, At(dir_.Sub("empty"))).ok());

  auto forced = RestoreRocksDbStore(backups_, std::nullopt, true, At(target));
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_EQ(TakeAt(target).progress[0].second.next_offset, 100);
}

TEST_F(RocksDbBackupTest, RestoreRefusesWhileTheTargetStoreIsOpen) {
  {
    auto store = Open(store_);
    Ingest(*store, history_, 0, 100);
    ASSERT_TRUE(store->Backup({.dir = backups_}).ok());
  }
  const std::string target = dir_.Sub("running");
  auto running = Open(target);  // as a segd running there holds it
  Ingest(*running, history_, 200, 250);
  auto in_use = RocksDbStoreInUse(target);
  ASSERT_TRUE(in_use.ok());
  EXPECT_TRUE(*in_use);
  auto refused = RestoreRocksDbStore(backups_, std::nullopt, /*force=*/true, At(target));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("a segd is running"), std::string::npos)
      << refused.status().message();
  Progress progress;
  ASSERT_TRUE(running->ReadProgress(&progress).ok());
  EXPECT_EQ(progress[0].second.next_offset, 250);  // untouched, still usable
  Ingest(*running, history_, 250, 300);
  running.reset();
  in_use = RocksDbStoreInUse(target);
  ASSERT_TRUE(in_use.ok());
  EXPECT_FALSE(*in_use);
}

TEST_F(RocksDbBackupTest, BadDirectoriesGiveClearErrors) {
  auto missing = RestoreRocksDbStore(dir_.Sub("nowhere"), std::nullopt, false, At(store_));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("holds no segd backup"), std::string::npos)
      << missing.status().message();
  EXPECT_FALSE(std::filesystem::exists(store_));

  auto store = Open(store_);
  Ingest(*store, history_, 0, 50);
  auto relative = store->Backup({.dir = "backups"});
  ASSERT_FALSE(relative.ok());
  EXPECT_EQ(relative.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(relative.status().message().find("absolute"), std::string::npos);
  auto inside = store->Backup({.dir = store_ + "/backups"});
  ASSERT_FALSE(inside.ok());
  EXPECT_EQ(inside.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(inside.status().message().find("outside the store"), std::string::npos);
  std::ofstream(dir_.Sub("a-file")) << "x";
  auto file = store->Backup({.dir = dir_.Sub("a-file")});
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kIoError);
  EXPECT_NE(file.status().message().find(dir_.Sub("a-file")), std::string::npos);
  StorageOptions read_only = At(store_);
  read_only.read_only = true;
  auto secondary = OpenRocksDbStateStore(read_only);
  ASSERT_TRUE(secondary.ok());
  EXPECT_EQ((*secondary)->Backup({.dir = backups_}).status().code(),
            StatusCode::kFailedPrecondition);
}

// Commits go on during the backup; the backup holds whole commits: every commit adds one
// customer and moves the offset by one, so customers == offset in any consistent backup. Big
// records and 1 MiB write buffers make flushes and compactions run during the backups too.
TEST_F(RocksDbBackupTest, BackupDuringCommitsHoldsWholeCommits) {
  StorageOptions o = At(store_);
  o.write_buffer_mb = 1;
  auto opened = OpenRocksDbStateStore(o);
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<StateStore> store = std::move(*opened);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> committed{0};
  std::thread writer([&] {
    CustomerRecord record;
    record.state.order_count = 1;
    record.state.region = std::string(1000, 'r');
    for (int64_t n = 1; !stop; ++n) {
      const std::string id = "c" + std::to_string(n);
      StateDelta d;
      d.customers.emplace_back(id, &record);
      d.progress.push_back({{"orders", 0}, {.next_offset = n}});
      ASSERT_TRUE(store->Commit(d).ok());
      committed = n;
    }
  });
  while (committed < 2000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::vector<StoreBackup> taken;
  for (int i = 0; i < 3; ++i) {
    auto b = store->Backup({.dir = backups_});
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    taken.push_back(*b);
  }
  stop = true;
  writer.join();
  for (const StoreBackup& b : taken) {
    SCOPED_TRACE(b.id);
    ASSERT_EQ(b.progress.size(), 1u);
    EXPECT_GE(b.progress[0].second.next_offset, 2000);
    EXPECT_EQ(b.customers, uint64_t(b.progress[0].second.next_offset));
  }
  EXPECT_LT(taken[0].progress[0].second.next_offset, committed.load());
  const std::string target = dir_.Sub("restored");
  auto restored = RestoreRocksDbStore(backups_, taken[1].id, false, At(target));
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  const Snapshot s = TakeAt(target);
  EXPECT_EQ(s.progress, taken[1].progress);
  EXPECT_EQ(s.records.size(), uint64_t(taken[1].progress[0].second.next_offset));
}

}  // namespace
}  // namespace segd
