// Backup and restore with RocksDB's BackupEngine. A backup is taken from the process that holds
// the store open for writing (a running segd, or `segd backup` itself when none runs): the
// engine stops file deletions, lists the live files and the write-ahead log as of one moment and
// copies them, so the backup holds a prefix of the commits; each Commit is one WriteBatch (one
// WAL record), so customers, progress and meta in the backup come from the same commits and the
// backup's offsets match its state. Files already in the directory from an earlier backup are
// not copied again. Why not a checkpoint through a secondary (read-only) instance, which needs no
// running segd: it returns OK on 7.8, but the secondary cannot hold off the primary's file
// deletions, so a compaction during the copy races it; RocksDB documents no such use.
#include "state/rocksdb_backup.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

#include "segd/state/rocksdb_state_store.h"
#include "segd/state/state_codec.h"

namespace segd {
namespace {

namespace fs = std::filesystem;

// Column families of the store (rocksdb_state_store.cc) that a description of a backup reads.
constexpr char kCustomersCf[] = "customers";
constexpr char kProgressCf[] = "progress";
// Held in the backup directory while a backup or restore uses it: BackupEngine assumes one
// writer per directory, and a restore must not read files a concurrent backup purges.
constexpr char kDirLockName[] = "segd-backup.lock";

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return NotFound(what + ": " + s.ToString());
  if (s.IsCorruption()) return DataLoss(what + ": " + s.ToString());
  if (s.IsIOError()) return IoError(what + ": " + s.ToString());
  return Internal(what + ": " + s.ToString());
}

// An exclusive lock on a backup directory, released on destruction.
class BackupDirLock {
 public:
  ~BackupDirLock() {
    if (lock_ != nullptr) (void)rocksdb::Env::Default()->UnlockFile(lock_);
  }
  Status Acquire(const std::string& dir) {
    const rocksdb::Status s =
        rocksdb::Env::Default()->LockFile((fs::path(dir) / kDirLockName).string(), &lock_);
    if (s.ok()) return Status::Ok();
    return FailedPrecondition("backup directory " + dir +
                              " is in use by another backup or restore: " + s.ToString());
  }

 private:
  rocksdb::FileLock* lock_ = nullptr;
};

// Absolute, normalised, symbolic links resolved as far as the path exists.
fs::path Resolved(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path), ec);
  if (ec) p = fs::absolute(path).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "a/b/" -> "a/b"
  return p;
}

bool Within(const fs::path& inner, const fs::path& outer) {
  const auto [end, _] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return end == outer.end();
}

StatusOr<std::unique_ptr<rocksdb::BackupEngine>> OpenEngine(const std::string& dir) {
  rocksdb::BackupEngineOptions o(dir);
  o.max_background_operations = 2;
  rocksdb::BackupEngine* raw = nullptr;
  SEGD_RETURN_IF_ERROR(FromRocks(rocksdb::BackupEngine::Open(rocksdb::Env::Default(), o, &raw),
                                 "open backup directory " + dir));
  return std::unique_ptr<rocksdb::BackupEngine>(raw);
}

void CloseAll(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  db->Close();
}

// Counts the customers and reads the progress of a backup, opened read-only where it lies:
// what a store restored from it holds, and proof that it opens.
Status Describe(const rocksdb::BackupInfo& info, StoreBackup* out) {
  out->id = info.backup_id;
  out->created_unix_s = info.timestamp;
  out->size_bytes = info.size;
  out->files = info.number_files;
  out->note = info.app_metadata;
  rocksdb::DBOptions options;
  options.env = info.env_for_open.get();
  options.max_open_files = -1;
  std::vector<std::string> names;
  SEGD_RETURN_IF_ERROR(
      FromRocks(rocksdb::DB::ListColumnFamilies(options, info.name_for_open, &names),
                "read backup " + std::to_string(info.backup_id)));
  std::vector<rocksdb::ColumnFamilyDescriptor> wanted = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()}};
  for (const char* name : {kCustomersCf, kProgressCf}) {
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      wanted.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  SEGD_RETURN_IF_ERROR(
      FromRocks(rocksdb::DB::OpenForReadOnly(options, info.name_for_open, wanted, &handles, &raw),
                "open backup " + std::to_string(info.backup_id)));
  std::unique_ptr<rocksdb::DB> db(raw);
  Status result;
  for (size_t i = 1; i < wanted.size() && result.ok(); ++i) {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, handles[i]));
    const bool progress = wanted[i].name == kProgressCf;
    for (it->SeekToFirst(); it->Valid() && result.ok(); it->Next()) {
      if (!progress) {
        ++out->customers;
        continue;
      }
      TopicPartition tp;
      PartitionProgress p;
      result = DecodePartitionKey(it->key().ToStringView(), &tp);
      if (result.ok()) result = DecodePartitionProgress(it->value().ToStringView(), &p);
      if (result.ok()) out->progress.emplace_back(std::move(tp), p);
    }
    if (result.ok()) result = FromRocks(it->status(), "read backup " + std::to_string(out->id));
  }
  CloseAll(db.get(), handles);
  return result;
}

std::vector<uint32_t> BackupIds(const rocksdb::BackupEngineReadOnlyBase& engine) {
  std::vector<rocksdb::BackupInfo> infos;
  engine.GetBackupInfo(&infos);
  std::vector<uint32_t> ids;
  for (const auto& i : infos) ids.push_back(i.backup_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string IdList(const std::vector<uint32_t>& ids) {
  std::string s;
  for (uint32_t id : ids) s += (s.empty() ? "" : ", ") + std::to_string(id);
  return s.empty() ? "none" : s;
}

StatusOr<rocksdb::BackupInfo> ChooseBackup(const rocksdb::BackupEngineReadOnly& engine,
                                           const std::string& dir, std::optional<uint32_t> id) {
  const std::vector<uint32_t> ids = BackupIds(engine);
  if (ids.empty()) return NotFound(dir + " holds no backup");
  rocksdb::BackupInfo info;
  const rocksdb::Status s = id ? engine.GetBackupInfo(*id, &info, /*include_file_details=*/true)
                               : engine.GetLatestBackupInfo(&info, true);
  if (s.ok()) return info;
  return NotFound("no usable backup " + (id ? std::to_string(*id) + " " : std::string()) + "in " +
                  dir + " (" + s.ToString() + "); it holds: " + IdList(ids));
}

// Refuses a target that a process holds, or (without `force`) one that is not empty.
Status CheckRestoreTarget(const fs::path& target, bool force) {
  auto in_use = RocksDbStoreInUse(target.string());
  if (!in_use.ok()) return in_use.status();
  if (*in_use) {
    return FailedPrecondition("a segd is running on storage.path " + target.string() +
                              " (its store is locked): stop it before restoring");
  }
  std::error_code ec;
  if (!fs::exists(target, ec)) return Status::Ok();
  if (!fs::is_directory(target, ec)) {
    return FailedPrecondition("storage.path " + target.string() + " is not a directory");
  }
  if (!force && !fs::is_empty(target, ec)) {
    return FailedPrecondition("storage.path " + target.string() +
                              " is not empty (it holds a store?): restore replaces it only "
                              "with --force");
  }
  return Status::Ok();
}

// Moves the complete restored store at `staged` to `target`, replacing what is there.
Status MoveIntoPlace(const fs::path& staged, const fs::path& target) {
  std::error_code ec;
  const fs::path replaced = target.parent_path() / ("." + target.filename().string() + ".old");
  fs::remove_all(replaced, ec);
  if (fs::exists(target, ec)) {
    fs::rename(target, replaced, ec);
    if (ec) {
      return IoError("cannot move " + target.string() + " aside (" + ec.message() +
                     "); the restored store is complete in " + staged.string() +
                     ": storage.path must be a directory that can be renamed, not a mount point");
    }
  }
  fs::rename(staged, target, ec);
  if (ec) {
    const std::string why = ec.message();
    if (fs::exists(replaced)) fs::rename(replaced, target, ec);  // put it back
    return IoError("cannot rename " + staged.string() + " to " + target.string() + ": " + why);
  }
  fs::remove_all(replaced, ec);
  return Status::Ok();
}

}  // namespace

StatusOr<StoreBackup> BackupRocksDb(rocksdb::DB* db, const std::string& db_path,
                                    const StoreBackupRequest& request) {
  if (request.dir.empty() || fs::path(request.dir).is_relative()) {
    return InvalidArgument("backup directory must be an absolute path, got '" + request.dir + "'");
  }
  const fs::path dir = Resolved(request.dir);
  const fs::path store = Resolved(db_path);
  if (Within(dir, store) || Within(store, dir)) {
    return InvalidArgument("backup directory " + dir.string() + " must be outside the store at " +
                           store.string() + " (and not contain it)");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("backup directory " + dir.string() + ": " + ec.message());
  BackupDirLock lock;
  SEGD_RETURN_IF_ERROR(lock.Acquire(dir.string()));
  auto engine = OpenEngine(dir.string());
  if (!engine.ok()) return engine.status();
  rocksdb::CreateBackupOptions create;
  create.flush_before_backup = false;  // the live WAL is copied: one consistent moment, no flush
  rocksdb::BackupID id = 0;
  SEGD_RETURN_IF_ERROR(
      FromRocks((*engine)->CreateNewBackupWithMetadata(create, db, request.note, &id),
                "back up " + store.string() + " to " + dir.string()));
  SEGD_RETURN_IF_ERROR(FromRocks((*engine)->VerifyBackup(id), "verify backup"));
  if (request.keep > 0) {
    SEGD_RETURN_IF_ERROR(FromRocks((*engine)->PurgeOldBackups(uint32_t(request.keep)),
                                   "remove old backups from " + dir.string()));
  }
  rocksdb::BackupInfo info;
  SEGD_RETURN_IF_ERROR(FromRocks((*engine)->GetBackupInfo(id, &info, true), "read backup"));
  StoreBackup out;
  SEGD_RETURN_IF_ERROR(Describe(info, &out));
  out.kept = BackupIds(**engine);
  spdlog::info("storage: backup {} of {} in {}: {} bytes, {} files, {} customers", out.id,
               store.string(), dir.string(), out.size_bytes, out.files, out.customers);
  return out;
}

StatusOr<bool> RocksDbStoreInUse(const std::string& path) {
  const fs::path lock_file = fs::path(path) / "LOCK";
  std::error_code ec;
  if (!fs::exists(lock_file, ec)) return false;  // never opened: nobody holds it
  // LockFile opens the file to lock it: an unreadable file would look locked.
  if (::access(lock_file.c_str(), R_OK | W_OK) != 0) {
    return IoError("cannot tell whether a segd uses " + path + ": " + lock_file.string() +
                   " is not readable and writable by this user");
  }
  rocksdb::FileLock* lock = nullptr;
  if (!rocksdb::Env::Default()->LockFile(lock_file.string(), &lock).ok()) return true;
  (void)rocksdb::Env::Default()->UnlockFile(lock);
  return false;
}

StatusOr<StoreBackup> RestoreRocksDbStore(const std::string& backup_dir,
                                          std::optional<uint32_t> backup_id, bool force,
                                          const StorageOptions& target) {
  const fs::path dir = Resolved(backup_dir);
  std::error_code ec;
  if (!fs::is_directory(dir / "meta", ec)) {
    return NotFound(dir.string() + " holds no segd backup (no meta/ directory in it)");
  }
  const fs::path into = Resolved(target.path);
  SEGD_RETURN_IF_ERROR(CheckRestoreTarget(into, force));
  BackupDirLock lock;
  SEGD_RETURN_IF_ERROR(lock.Acquire(dir.string()));
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  SEGD_RETURN_IF_ERROR(
      FromRocks(rocksdb::BackupEngineReadOnly::Open(
                    rocksdb::Env::Default(), rocksdb::BackupEngineOptions(dir.string()), &raw),
                "open backup directory " + dir.string()));
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  auto info = ChooseBackup(*engine, dir.string(), backup_id);
  if (!info.ok()) return info.status();
  StoreBackup out;
  SEGD_RETURN_IF_ERROR(Describe(*info, &out));
  out.kept = BackupIds(*engine);
  const fs::path staged = into.parent_path() / ("." + into.filename().string() + ".restoring");
  fs::remove_all(staged, ec);  // what an interrupted restore left
  fs::create_directories(into.parent_path(), ec);
  SEGD_RETURN_IF_ERROR(
      FromRocks(engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), info->backup_id,
                                            staged.string(), staged.string()),
                "restore backup " + std::to_string(info->backup_id) + " into " + staged.string()));
  {
    // An ordinary open (write-ahead log replayed, format checked) proves the restored store
    // usable before it replaces anything.
    StorageOptions check = target;
    check.path = staged.string();
    check.read_only = false;
    auto opened = OpenRocksDbStateStore(check);
    if (!opened.ok()) return opened.status();
  }
  // A segd may have started meanwhile (with --force, on the old store): check again.
  SEGD_RETURN_IF_ERROR(CheckRestoreTarget(into, /*force=*/true));
  SEGD_RETURN_IF_ERROR(MoveIntoPlace(staged, into));
  spdlog::info("storage: restored backup {} of {} into {}: {} customers", out.id, dir.string(),
               into.string(), out.customers);
  return out;
}

}  // namespace segd
