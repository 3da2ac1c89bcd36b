// Backups of the RocksDB state store with RocksDB's BackupEngine; internal to the state store
// adapter (RestoreRocksDbStore, the other half, is declared in rocksdb_state_store.h). Safe from
// any thread; one backup at a time per backup directory (a lock file in it, across processes).
#pragma once

#include <string>

#include "segd/common/status.h"
#include "segd/state/store_backup.h"

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace segd {

// Adds a backup of `db`, the open store at `db_path`, to request.dir (see StateStore::Backup).
// InvalidArgument when request.dir is relative or inside the store; FailedPrecondition while
// another backup or restore uses request.dir.
[[nodiscard]] StatusOr<StoreBackup> BackupRocksDb(rocksdb::DB* db, const std::string& db_path,
                                                  const StoreBackupRequest& request);

}  // namespace segd
