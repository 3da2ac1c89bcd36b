// Column families: default (meta blobs), customers, orders, events (applied event ids, empty
// values), progress (per-partition offsets and counters). One WriteBatch per Commit covers all
// of them, which is what makes offsets and state move together (design invariant 1).
#include "segd/state/rocksdb_state_store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <mutex>

#include "segd/state/state_codec.h"

namespace segd {
namespace {

enum Cf { kMeta = 0, kCustomers, kOrders, kEvents, kProgress, kCfCount };
constexpr const char* kCfNames[kCfCount] = {"default", "customers", "orders", "events", "progress"};

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return DataLoss(what + ": " + s.ToString());
  if (s.IsIOError()) return IoError(what + ": " + s.ToString());
  return Internal(what + ": " + s.ToString());
}

class RocksDbStateStore : public StateStore {
 public:
  RocksDbStateStore(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> cfs,
                    const StorageOptions& o)
      : db_(std::move(db)), cfs_(std::move(cfs)), path_(o.path), min_free_mb_(o.min_free_mb) {
    write_options_.sync = o.sync_writes;
  }
  ~RocksDbStateStore() override {
    for (auto* cf : cfs_) db_->DestroyColumnFamilyHandle(cf);
    db_->Close();
  }

  Status GetCustomers(const std::vector<std::string_view>& ids,
                      std::vector<std::optional<CustomerState>>* out) override {
    return MultiGet(kCustomers, ids, out, DecodeCustomerState);
  }
  Status GetOrders(const std::vector<std::string_view>& keys,
                   std::vector<std::optional<OrderRecord>>* out) override {
    return MultiGet(kOrders, keys, out, DecodeOrderRecord);
  }
  Status HasEvents(const std::vector<std::string_view>& ids, std::vector<bool>* out) override;
  Status ScanOrders(std::string_view customer_id,
                    const std::function<void(std::string_view, const OrderRecord&)>& fn) override;
  Status ScanCustomers(
      const std::function<bool(std::string_view, const CustomerState&)>& fn) override;
  Status ReadProgress(std::vector<std::pair<TopicPartition, PartitionProgress>>* out) override;
  StatusOr<std::optional<std::string>> GetMeta(std::string_view name) override;
  Status ScanMeta(std::string_view prefix, std::string_view from,
                  const std::function<bool(std::string_view, std::string_view)>& fn) override;
  Status Commit(const StateDelta& delta) override;

 private:
  template <typename T, typename Decode>
  Status MultiGet(Cf cf, const std::vector<std::string_view>& keys,
                  std::vector<std::optional<T>>* out, Decode decode);

  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;
  Status CheckFreeSpace() const;

  rocksdb::WriteOptions write_options_;
  std::string path_;
  int64_t min_free_mb_;
  std::mutex commit_mu_;  // serializes commits (the pipeline's and the drift history's)
  std::string scratch_;   // Commit's encoding buffer, guarded by commit_mu_
};

template <typename T, typename Decode>
Status RocksDbStateStore::MultiGet(Cf cf, const std::vector<std::string_view>& keys,
                                   std::vector<std::optional<T>>* out, Decode decode) {
  out->assign(keys.size(), std::nullopt);
  if (keys.empty()) return Status::Ok();
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), cfs_[cf], keys.size(), slices.data(), values.data(),
                statuses.data());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    SEGD_RETURN_IF_ERROR(FromRocks(statuses[i], std::string("read ") + kCfNames[cf]));
    T value;
    SEGD_RETURN_IF_ERROR(decode(values[i].ToStringView(), &value));
    (*out)[i] = std::move(value);
  }
  return Status::Ok();
}

Status RocksDbStateStore::HasEvents(const std::vector<std::string_view>& ids,
                                    std::vector<bool>* out) {
  // Event ids have empty values: presence is all there is to decode.
  std::vector<std::optional<bool>> found;
  SEGD_RETURN_IF_ERROR(MultiGet(kEvents, ids, &found, [](std::string_view, bool* present) {
    *present = true;
    return Status::Ok();
  }));
  out->assign(ids.size(), false);
  for (size_t i = 0; i < ids.size(); ++i) (*out)[i] = found[i].has_value();
  return Status::Ok();
}

Status RocksDbStateStore::ScanOrders(
    std::string_view customer_id,
    const std::function<void(std::string_view, const OrderRecord&)>& fn) {
  const std::string prefix = OrderKeyPrefix(customer_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kOrders]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    OrderRecord r;
    SEGD_RETURN_IF_ERROR(DecodeOrderRecord(it->value().ToStringView(), &r));
    fn(it->key().ToStringView(), r);
  }
  return FromRocks(it->status(), "scan orders");
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
  auto orders = delta.orders;
  auto event_ids = delta.event_ids;
  const auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::sort(customers.begin(), customers.end(), by_key);
  std::sort(orders.begin(), orders.end(), by_key);
  std::sort(event_ids.begin(), event_ids.end());
  rocksdb::WriteBatch batch;
  for (const auto& [id, state] : customers) {
    scratch_.clear();
    EncodeCustomerState(*state, &scratch_);
    SEGD_RETURN_IF_ERROR(FromRocks(batch.Put(cfs_[kCustomers], id, scratch_), "batch"));
  }
  for (const auto& [key, record] : orders) {
    scratch_.clear();
    EncodeOrderRecord(*record, &scratch_);
    SEGD_RETURN_IF_ERROR(FromRocks(batch.Put(cfs_[kOrders], key, scratch_), "batch"));
  }
  for (std::string_view id : event_ids) {
    SEGD_RETURN_IF_ERROR(FromRocks(batch.Put(cfs_[kEvents], id, rocksdb::Slice()), "batch"));
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
  cf.compression = rocksdb::kLZ4Compression;
  cf.bottommost_compression = rocksdb::kZSTD;
  return cf;
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
  auto cache = rocksdb::NewLRUCache(static_cast<size_t>(o.block_cache_mb) << 20);
  const rocksdb::ColumnFamilyOptions cf_options = MakeCfOptions(o, cache);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kCfNames) descriptors.emplace_back(name, cf_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (o.read_only) {
    // A secondary instance is RocksDB's supported way to read a store that a running primary
    // writes; it needs a private directory for its own info log.
    db_options.max_open_files = -1;
    const auto secondary =
        std::filesystem::temp_directory_path() / ("segd-secondary-" + std::to_string(::getpid()));
    std::filesystem::create_directories(secondary, ec);
    s = rocksdb::DB::OpenAsSecondary(db_options, o.path, secondary.string(), descriptors, &handles,
                                     &raw);
  } else {
    s = rocksdb::DB::Open(db_options, o.path, descriptors, &handles, &raw);
  }
  if (!s.ok()) {
    const bool hint = s.IsIOError() && !o.read_only;
    return FromRocks(
        s, "open state store at " + o.path +
               (hint ? " (is another segd using it, or is the directory unwritable?)" : ""));
  }
  return std::unique_ptr<StateStore>(
      new RocksDbStateStore(std::unique_ptr<rocksdb::DB>(raw), std::move(handles), o));
}

}  // namespace segd
