// The durable StateStore on RocksDB. Commits must not overlap (one at a time, in order; the
// ingest pipeline runs each on its own thread, after the previous one returned); reads are safe
// from any thread concurrently with a commit.
#pragma once

#include <memory>

#include "segd/common/status.h"
#include "segd/state/rocksdb_options.h"
#include "segd/state/state_store.h"

namespace segd {

// Opens (creating if needed) the store at options.path. Fails with a message naming the path when
// the directory is unusable, locked by another process, or corrupt.
[[nodiscard]] StatusOr<std::unique_ptr<StateStore>> OpenRocksDbStateStore(
    const StorageOptions& options);

}  // namespace segd
