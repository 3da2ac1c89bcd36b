// The durable StateStore on RocksDB. Commits must not overlap (one at a time, in order; the
// ingest pipeline runs each on its own thread, after the previous one returned); reads are safe
// from any thread concurrently with a commit.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "segd/common/status.h"
#include "segd/state/rocksdb_options.h"
#include "segd/state/state_store.h"

namespace segd {

// Opens (creating if needed) the store at options.path. Fails with a message naming the path when
// the directory is unusable, locked by another process, or corrupt.
[[nodiscard]] StatusOr<std::unique_ptr<StateStore>> OpenRocksDbStateStore(
    const StorageOptions& options);

// Whether a process (this one included) holds the store at `path` open for writing, as a
// running segd does. False when there is no store there; an error when it cannot be told.
[[nodiscard]] StatusOr<bool> RocksDbStoreInUse(const std::string& path);

// Restores backup `backup_id` (default: the latest) of `backup_dir`, as written by
// StateStore::Backup, into target.path, and returns what the restored store holds. The result
// is an ordinary store: a segd started on it resumes every partition at the backup's offsets.
// Refuses (FailedPrecondition, nothing changed) while a process holds the store at target.path
// and, unless `force`, when target.path is not empty. The backup is restored beside target.path
// (same parent directory, so same file system) and renamed into place once complete: an
// interrupted restore leaves target.path as it was. NotFound when `backup_dir` holds no such
// backup.
[[nodiscard]] StatusOr<StoreBackup> RestoreRocksDbStore(const std::string& backup_dir,
                                                        std::optional<uint32_t> backup_id,
                                                        bool force, const StorageOptions& target);

}  // namespace segd
