// Backups of a state store: what to take, and what a backup holds. Value types; not
// synchronised.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "segd/state/partition_progress.h"

namespace segd {

struct StoreBackupRequest {
  // The backup directory: an absolute path outside the store, created if missing. It holds any
  // number of backups, each one complete on its own, sharing unchanged files (incremental).
  std::string dir;
  int keep = 0;      // after a successful backup, keep only the newest `keep` (0: keep all)
  std::string note;  // free text kept with the backup (what took it, from which store)
};

// One backup in a backup directory, as read back from the backup itself.
struct StoreBackup {
  uint32_t id = 0;             // increasing within the directory
  int64_t created_unix_s = 0;  // when it was taken (the taking host's clock)
  uint64_t size_bytes = 0;     // its files, counting those shared with other backups
  uint32_t files = 0;          // number of those files
  std::string note;            // StoreBackupRequest::note
  uint64_t customers = 0;      // customer records in the backup
  // Per-partition progress in the backup: the same commit as its customer records, so a store
  // restored from it resumes each partition at next_offset, exactly once.
  std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
  std::vector<uint32_t> kept;  // every backup id in the directory afterwards, oldest first
};

// Backups taken by a running segd (POST /v1/admin/backup), for its metrics.
struct StoreBackupStats {
  uint64_t succeeded = 0;
  uint64_t failed = 0;
  int64_t last_success_unix_s = 0;  // 0: none yet
};

}  // namespace segd
