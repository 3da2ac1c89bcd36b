// Storage format 2. Column families: default (meta blobs), customers (one record per customer:
// state plus its orders, see customer_record.h), progress (per-partition offsets and counters).
// One WriteBatch per Commit covers all of them, which is what makes offsets and state move
// together (design invariant 1). A store written in format 1 (releases before format 2: the
// customer value held the state alone, order records had their own column family `orders`, and
// every applied event id a key in `events`) is migrated in place when opened for writing: each
// customer's orders move into its record in the same WriteBatch that deletes their old keys, so
// a crash leaves every customer either migrated or not, and the next open goes on; the event-id
// index stays (read only) for the orders it covers (OrderEntry::legacy).
#include "segd/state/rocksdb_state_store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>

#include "segd/state/state_codec.h"
#include "state/rocksdb_backup.h"
#include "state/rocksdb_customer_snapshot.h"

namespace segd {
namespace {

enum Cf { kMeta = 0, kCustomers, kProgress, kCfCount };
constexpr const char* kCfNames[kCfCount] = {"default", "customers", "progress"};
// Format 1 column families, present only in stores written (or not yet fully migrated) by
// releases before format 2.
constexpr const char* kLegacyOrders = "orders";
constexpr const char* kLegacyEvents = "events";
constexpr const char* kFormatKey = "storage/format";
constexpr const char* kFormat = "2";

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return DataLoss(what + ": " + s.ToString());
  if (s.IsIOError()) return IoError(what + ": " + s.ToString());
  return Internal(what + ": " + s.ToString());
}

class RocksDbStateStore : public StateStore {
 public:
  // `cfs` holds the format-2 column families in Cf order; `legacy_events` is the format-1
  // event-id index (nullptr if none), owned by the store.
  RocksDbStateStore(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> cfs,
                    rocksdb::ColumnFamilyHandle* legacy_events, const StorageOptions& o,
                    std::string secondary_dir)
      : db_(std::move(db)),
        cfs_(std::move(cfs)),
        legacy_events_(legacy_events),
        path_(o.path),
        min_free_mb_(o.min_free_mb),
        secondary_dir_(std::move(secondary_dir)) {
    write_options_.sync = o.sync_writes;
  }
  ~RocksDbStateStore() override {
    // A clean close leaves no WAL to replay (the next start is quicker, the directory smaller).
    if (secondary_dir_.empty()) (void)db_->Flush(rocksdb::FlushOptions(), cfs_);
    for (auto* cf : cfs_) db_->DestroyColumnFamilyHandle(cf);
    if (legacy_events_ != nullptr) db_->DestroyColumnFamilyHandle(legacy_events_);
    db_->Close();
    db_.reset();
    std::error_code ec;
    if (!secondary_dir_.empty()) std::filesystem::remove_all(secondary_dir_, ec);
  }

  Status GetCustomers(const std::vector<std::string_view>& ids,
                      std::vector<std::optional<CustomerState>>* out) override {
    return MultiGet(cfs_[kCustomers], ids, out, DecodeCustomerState);
  }
  Status GetRecords(const std::vector<std::string_view>& ids,
                    std::vector<std::optional<CustomerRecord>>* out) override {
    return MultiGet(cfs_[kCustomers], ids, out, DecodeCustomerRecord);
  }
  Status HasLegacyEvents(const std::vector<std::string_view>& ids, std::vector<bool>* out) override;
  Status ScanCustomers(
      const std::function<bool(std::string_view, const CustomerState&)>& fn) override;
  Status ScanRecords(
      std::string_view from,
      const std::function<bool(std::string_view, const CustomerRecord&)>& fn) override;
  Status ReadProgress(std::vector<std::pair<TopicPartition, PartitionProgress>>* out) override;
  StatusOr<std::optional<std::string>> GetMeta(std::string_view name) override;
  Status ScanMeta(std::string_view prefix, std::string_view from,
                  const std::function<bool(std::string_view, std::string_view)>& fn) override;
  Status Commit(const StateDelta& delta) override;
  StatusOr<std::shared_ptr<const CustomerSnapshot>> SnapshotCustomers() override {
    return std::shared_ptr<const CustomerSnapshot>(std::make_shared<RocksDbCustomerSnapshot>(
        db_.get(), cfs_[kCustomers], /*pin=*/secondary_dir_.empty()));
  }
  StatusOr<StoreBackup> Backup(const StoreBackupRequest& request) override {
    // A secondary cannot stop the primary from deleting the files it would copy.
    if (!secondary_dir_.empty()) return FailedPrecondition("a read-only store cannot be backed up");
    return BackupRocksDb(db_.get(), path_, request);
  }

 private:
  template <typename T, typename Decode>
  Status MultiGet(rocksdb::ColumnFamilyHandle* cf, const std::vector<std::string_view>& keys,
                  std::vector<std::optional<T>>* out, Decode decode);

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  rocksdb::ColumnFamilyHandle* legacy_events_;
  Status CheckFreeSpace() const;

  rocksdb::WriteOptions write_options_;
  std::string path_;
  int64_t min_free_mb_;
  std::string secondary_dir_;  // a read-only store's private directory, removed on close
  std::mutex commit_mu_;       // serializes commits (the pipeline's and the drift history's)
  std::string scratch_;        // Commit's encoding buffer, guarded by commit_mu_
};

template <typename T, typename Decode>
Status RocksDbStateStore::MultiGet(rocksdb::ColumnFamilyHandle* cf,
                                   const std::vector<std::string_view>& keys,
                                   std::vector<std::optional<T>>* out, Decode decode) {
  out->assign(keys.size(), std::nullopt);
  if (keys.empty()) return Status::Ok();
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), cf, keys.size(), slices.data(), values.data(),
                statuses.data());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    SEGD_RETURN_IF_ERROR(FromRocks(statuses[i], "read " + cf->GetName()));
    T value;
    SEGD_RETURN_IF_ERROR(decode(values[i].ToStringView(), &value));
    (*out)[i] = std::move(value);
  }
  return Status::Ok();
}

Status RocksDbStateStore::HasLegacyEvents(const std::vector<std::string_view>& ids,
                                          std::vector<bool>* out) {
  out->assign(ids.size(), false);
  if (legacy_events_ == nullptr) return Status::Ok();
  // Event ids have empty values: presence is all there is to decode.
  std::vector<std::optional<bool>> found;
  SEGD_RETURN_IF_ERROR(MultiGet(legacy_events_, ids, &found, [](std::string_view, bool* present) {
    *present = true;
    return Status::Ok();
  }));
  for (size_t i = 0; i < ids.size(); ++i) (*out)[i] = found[i].has_value();
  return Status::Ok();
}

Status RocksDbStateStore::ScanCustomers(
    const std::function<bool(std::string_view, const CustomerState&)>& fn) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // a full scan must not evict the hot set
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_[kCustomers]));
  CustomerState s;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    SEGD_RETURN_IF_ERROR(DecodeCustomerState(it->value().ToStringView(), &s));
    if (!fn(it->key().ToStringView(), s)) break;
  }
  return FromRocks(it->status(), "scan customers");
}

Status RocksDbStateStore::ScanRecords(
    std::string_view from, const std::function<bool(std::string_view, const CustomerRecord&)>& fn) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // a sweep over every customer must not evict the hot set
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_[kCustomers]));
  CustomerRecord record;
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
    SEGD_RETURN_IF_ERROR(DecodeCustomerRecord(it->value().ToStringView(), &record));
    if (!fn(it->key().ToStringView(), record)) break;
  }
  return FromRocks(it->status(), "scan customer records");
}

Status RocksDbStateStore::ReadProgress(
    std::vector<std::pair<TopicPartition, PartitionProgress>>* out) {
  out->clear();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kProgress]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    TopicPartition tp;
    PartitionProgress p;
    SEGD_RETURN_IF_ERROR(DecodePartitionKey(it->key().ToStringView(), &tp));
    SEGD_RETURN_IF_ERROR(DecodePartitionProgress(it->value().ToStringView(), &p));
    out->emplace_back(std::move(tp), p);
  }
  return FromRocks(it->status(), "read progress");
}

StatusOr<std::optional<std::string>> RocksDbStateStore::GetMeta(std::string_view name) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kMeta], name, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  SEGD_RETURN_IF_ERROR(FromRocks(s, "read meta"));
  return std::optional<std::string>(std::move(value));
}

Status RocksDbStateStore::ScanMeta(
    std::string_view prefix, std::string_view from,
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kMeta]));
  const std::string_view start = std::max(prefix, from);
  for (it->Seek(rocksdb::Slice(start.data(), start.size()));
       it->Valid() && it->key().starts_with(rocksdb::Slice(prefix.data(), prefix.size()));
       it->Next()) {
    if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), "scan meta");
}

// RocksDB meets a full disk badly (Debian's 7.8 build aborts on an assertion when a flush hits
// ENOSPC), so segd stops while there is still room: a commit that would start with less than
// storage.min_free_mb free is refused, and the caller stops consuming.
Status RocksDbStateStore::CheckFreeSpace() const {
  if (min_free_mb_ <= 0) return Status::Ok();
  struct statvfs st {};
  if (statvfs(path_.c_str(), &st) != 0) return Status::Ok();  // unknown: let RocksDB report
  const int64_t free_mb =
      static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize) / (1024 * 1024);
  if (free_mb >= min_free_mb_) return Status::Ok();
  return IoError("storage.path " + path_ + ": " + std::to_string(free_mb) +
                 " MiB free, below storage.min_free_mb (" + std::to_string(min_free_mb_) +
                 "): stopping before the disk fills up; free space and restart");
}

Status RocksDbStateStore::Commit(const StateDelta& delta) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  SEGD_RETURN_IF_ERROR(CheckFreeSpace());
  // Keys go into each memtable in sorted order: the skiplist keeps its insert position (splice)
  // from one key to the next, so a sorted batch of random ids costs a fraction of the cache
  // misses of the same ids in arrival order (the memtable insert dominated ingest).
  auto customers = delta.customers;
  std::sort(customers.begin(), customers.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  rocksdb::WriteBatch batch;
  for (const auto& [id, record] : customers) {
    scratch_.clear();
    EncodeCustomerRecord(*record, &scratch_);
    SEGD_RETURN_IF_ERROR(FromRocks(batch.Put(cfs_[kCustomers], id, scratch_), "batch"));
  }
  for (const auto& [tp, progress] : delta.progress) {
    scratch_.clear();
    EncodePartitionProgress(progress, &scratch_);
    SEGD_RETURN_IF_ERROR(
        FromRocks(batch.Put(cfs_[kProgress], PartitionKey(tp), scratch_), "batch"));
  }
  for (const auto& [name, blob] : delta.meta) {
    SEGD_RETURN_IF_ERROR(FromRocks(batch.Put(cfs_[kMeta], name, blob), "batch"));
  }
  for (const std::string& name : delta.meta_deletes) {
    SEGD_RETURN_IF_ERROR(FromRocks(batch.Delete(cfs_[kMeta], name), "batch"));
  }
  return FromRocks(db_->Write(write_options_, &batch), "commit");
}

rocksdb::ColumnFamilyOptions MakeCfOptions(const StorageOptions& o,
                                           const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));  // cheap misses for new keys
  // Index and filters live in the block cache, so memory stays bounded by storage.block_cache_mb
  // however large the store grows. Partitioned (4 KiB pieces under a pinned top level): with one
  // whole filter block per file, a store larger than the cache re-read a full filter (hundreds
  // of KiB) for almost every lookup (10M customers: 358 KiB read per event, 22k events/s).
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.write_buffer_size = static_cast<size_t>(o.write_buffer_mb) << 20;
  // Most lookups on the ingest path are for keys that do not exist yet (new event ids, new
  // orders): a memtable bloom filter answers those without walking the skiplist.
  cf.memtable_prefix_bloom_size_ratio = 0.05;
  cf.memtable_whole_key_filtering = true;
  // Commit writes a micro-batch's keys in sorted order. Through a hint (one for all keys: the
  // empty prefix), each skiplist insert starts from where the previous one went in and climbs
  // only as high as the gap to the next key needs; without one, every insert of a key that is
  // not the previous one's neighbour searches from the top (most of ingest's CPU went there).
  cf.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewCappedPrefixTransform(0));
  cf.level_compaction_dynamic_level_bytes = true;
  cf.compression = rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kZSTD;
  return cf;
}

// Moves every format-1 customer (state value, orders under their own keys) into a format-2
// record, a chunk of customers per WriteBatch; customers already in format 2 (an earlier,
// interrupted migration) are skipped. Logs progress every few seconds.
Status MigrateFormat1(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* customers,
                      rocksdb::ColumnFamilyHandle* orders, const StorageOptions& o) {
  uint64_t estimate = 0;
  db->GetIntProperty(customers, "rocksdb.estimate-num-keys", &estimate);
  spdlog::info("storage: migrating {} from storage format 1 to 2 (~{} customers)", o.path,
               estimate);
  const auto started = std::chrono::steady_clock::now();
  auto last_log = started;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, customers));
  std::unique_ptr<rocksdb::Iterator> order_it(orders != nullptr ? db->NewIterator(ro, orders)
                                                                : rocksdb::NewEmptyIterator());
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::WriteBatch batch;
  uint64_t migrated = 0, skipped = 0, order_count = 0, in_batch = 0;
  std::string value;
  const auto flush = [&]() -> Status {
    if (in_batch == 0) return Status::Ok();
    SEGD_RETURN_IF_ERROR(FromRocks(db->Write(wo, &batch), "migrate"));
    batch.Clear();
    in_batch = 0;
    return Status::Ok();
  };
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view id = it->key().ToStringView();
    const std::string_view stored = it->value().ToStringView();
    if (stored.empty() || static_cast<uint8_t>(stored[0]) != 1) {
      ++skipped;  // format 2 already
      continue;
    }
    CustomerRecord r;
    SEGD_RETURN_IF_ERROR(DecodeCustomerState(stored, &r.state));
    const std::string prefix = OrderKeyPrefixV1(id);
    for (order_it->Seek(prefix); order_it->Valid() && order_it->key().starts_with(prefix);
         order_it->Next()) {  // (an empty iterator when the store had no orders family)
      OrderEntry e;
      e.order_id.assign(order_it->key().ToStringView().substr(prefix.size()));
      SEGD_RETURN_IF_ERROR(DecodeOrderRecordV1(order_it->value().ToStringView(), &e.record));
      // Format 1 kept no cancel time: an order known only from its cancel counts as active at
      // the customer's latest event, so that it is not folded early.
      e.last_ms = std::max(e.record.placed_ms, e.record.review_ms);
      if (e.last_ms == 0) e.last_ms = r.state.updated_ms;
      e.legacy = true;
      r.orders.push_back(std::move(e));
      SEGD_RETURN_IF_ERROR(FromRocks(batch.Delete(orders, order_it->key()), "migrate"));
      ++order_count;
    }
    SEGD_RETURN_IF_ERROR(FromRocks(order_it->status(), "migrate: read orders"));
    std::sort(r.orders.begin(), r.orders.end(),
              [](const OrderEntry& a, const OrderEntry& b) { return a.order_id < b.order_id; });
    value.clear();
    EncodeCustomerRecord(r, &value);
    SEGD_RETURN_IF_ERROR(FromRocks(batch.Put(customers, it->key(), value), "migrate"));
    ++migrated;
    if (o.stop_migration_after > 0 && migrated == o.stop_migration_after) {
      SEGD_RETURN_IF_ERROR(flush());
      return Cancelled("storage: migration stopped after " + std::to_string(migrated) +
                       " customers (storage.stop_migration_after, tests only)");
    }
    if (++in_batch == 1000) {
      SEGD_RETURN_IF_ERROR(flush());
      const auto now = std::chrono::steady_clock::now();
      if (now - last_log > std::chrono::seconds(5)) {
        spdlog::info("storage: migrated {} of ~{} customers", migrated + skipped, estimate);
        last_log = now;
      }
    }
  }
  SEGD_RETURN_IF_ERROR(FromRocks(it->status(), "migrate: read customers"));
  SEGD_RETURN_IF_ERROR(flush());
  spdlog::info(
      "storage: migration to format 2 done: {} customers and {} orders moved ({} already "
      "migrated) in {:.1f} s",
      migrated, order_count, skipped,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return Status::Ok();
}

bool IsEmpty(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  it->SeekToFirst();
  return !it->Valid();
}

// Brings a store opened for writing to format 2: records the format in a new store, migrates a
// format-1 store, drops the format-1 column families no longer needed. Sets *legacy_events to
// the format-1 event-id index when it is kept (it covers the migrated orders).
Status UpgradeToFormat2(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>* handles,
                        const std::vector<std::string>& names, const StorageOptions& o,
                        rocksdb::ColumnFamilyHandle** legacy_events) {
  const auto find = [&](const char* name) -> rocksdb::ColumnFamilyHandle* {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return (*handles)[i];
    }
    return nullptr;
  };
  rocksdb::ColumnFamilyHandle* meta = find(kCfNames[kMeta]);
  rocksdb::ColumnFamilyHandle* orders = find(kLegacyOrders);
  rocksdb::ColumnFamilyHandle* events = find(kLegacyEvents);
  std::string format;
  rocksdb::Status got = db->Get(rocksdb::ReadOptions(), meta, kFormatKey, &format);
  if (!got.ok() && !got.IsNotFound()) return FromRocks(got, "read storage format");
  if (got.ok() && format != kFormat) {
    return FailedPrecondition("state store at " + o.path + " has storage format " + format +
                              ", written by a newer segd; this release reads format " + kFormat);
  }
  if (got.IsNotFound()) {
    if (orders != nullptr || events != nullptr) {
      SEGD_RETURN_IF_ERROR(MigrateFormat1(db, find(kCfNames[kCustomers]), orders, o));
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;
    SEGD_RETURN_IF_ERROR(FromRocks(db->Put(wo, meta, kFormatKey, kFormat), "write storage format"));
  }
  // Format 2 from here on: what is left of format 1 goes, but for a useful event-id index.
  for (size_t i = 0; i < names.size(); ++i) {
    rocksdb::ColumnFamilyHandle* cf = (*handles)[i];
    if (cf == nullptr) continue;
    const bool drop = cf == orders || (cf == events && IsEmpty(db, events));
    if (cf == events && !drop) {
      *legacy_events = events;
      (*handles)[i] = nullptr;
      continue;
    }
    if (!drop) continue;
    SEGD_RETURN_IF_ERROR(FromRocks(db->DropColumnFamily(cf), "drop column family " + names[i]));
    db->DestroyColumnFamilyHandle(cf);
    (*handles)[i] = nullptr;
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<StateStore>> OpenRocksDbStateStore(const StorageOptions& o) {
  std::error_code ec;
  if (o.read_only && !std::filesystem::exists(std::filesystem::path(o.path) / "CURRENT")) {
    return NotFound("no state store at " + o.path);
  }
  if (!o.read_only) std::filesystem::create_directories(o.path, ec);
  if (ec) return IoError("storage.path " + o.path + ": " + ec.message());
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = !o.read_only;
  db_options.create_missing_column_families = !o.read_only;
  db_options.max_background_jobs = 2;
  // The small column families (progress, meta) change with every commit but fill their
  // memtables slowly, and a WAL file is kept until every family written in it has flushed: left
  // to the default (four times all write buffers) they pinned several hundred MiB of WAL, more
  // than the data itself. Past one write buffer's worth of WAL they are flushed, and the old
  // files go.
  db_options.max_total_wal_size = static_cast<uint64_t>(std::max<int64_t>(o.write_buffer_mb, 16))
                                  << 20;
  auto cache = rocksdb::NewLRUCache(static_cast<size_t>(o.block_cache_mb) << 20);
  const rocksdb::ColumnFamilyOptions cf_options = MakeCfOptions(o, cache);
  // Format 2's column families first (in Cf order), then any other the store has (format 1's):
  // a primary must open every column family there is.
  std::vector<std::string> names(std::begin(kCfNames), std::end(kCfNames));
  if (!o.read_only) {
    std::vector<std::string> existing;
    if (rocksdb::DB::ListColumnFamilies(db_options, o.path, &existing).ok()) {
      for (const std::string& name : existing) {
        if (std::find(names.begin(), names.end(), name) != names.end()) continue;
        if (name != kLegacyOrders && name != kLegacyEvents) {
          return FailedPrecondition("state store at " + o.path + " has a column family '" + name +
                                    "' this release does not know (written by a newer segd?)");
        }
        names.push_back(name);
      }
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) descriptors.emplace_back(name, cf_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  std::filesystem::path secondary;
  if (o.read_only) {
    // A secondary instance is RocksDB's supported way to read a store that a running primary
    // writes; it needs a private directory for its own info log. Format 2's column families are
    // enough to read customers, progress and meta (of a format-1 store too).
    db_options.max_open_files = -1;
    static std::atomic<uint64_t> opened{0};
    secondary =
        std::filesystem::temp_directory_path() / ("segd-secondary-" + std::to_string(::getpid()) +
                                                  "-" + std::to_string(opened.fetch_add(1)));
    std::filesystem::create_directories(secondary, ec);
    s = rocksdb::DB::OpenAsSecondary(db_options, o.path, secondary.string(), descriptors, &handles,
                                     &raw);
  } else {
    s = rocksdb::DB::Open(db_options, o.path, descriptors, &handles, &raw);
  }
  if (!s.ok()) {
    if (!secondary.empty()) std::filesystem::remove_all(secondary, ec);
    const bool hint = s.IsIOError() && !o.read_only;
    return FromRocks(
        s, "open state store at " + o.path +
               (hint ? " (is another segd using it, or is the directory unwritable?)" : ""));
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* legacy_events = nullptr;
  if (!o.read_only) {
    Status upgraded = UpgradeToFormat2(db.get(), &handles, names, o, &legacy_events);
    if (!upgraded.ok()) {
      for (auto* cf : handles) {
        if (cf != nullptr) db->DestroyColumnFamilyHandle(cf);
      }
      if (legacy_events != nullptr) db->DestroyColumnFamilyHandle(legacy_events);
      db->Close();
      return upgraded;
    }
  }
  handles.resize(kCfCount);  // the rest were dropped or handed over as legacy_events
  return std::unique_ptr<StateStore>(new RocksDbStateStore(std::move(db), std::move(handles),
                                                           legacy_events, o, secondary.string()));
}

}  // namespace segd
