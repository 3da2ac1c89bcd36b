// Settings of the RocksDB state store (config section `storage`). Value type.
#pragma once

#include <cstdint>
#include <string>

namespace segd {

struct StorageOptions {
  std::string path = "data/segd";  // storage.path: the RocksDB directory (created if missing)
  bool sync_writes = false;        // storage.sync_writes: fsync the WAL on every commit
  int64_t block_cache_mb = 128;    // storage.block_cache_mb
  int64_t write_buffer_mb = 64;    // storage.write_buffer_mb (per column family)
  int64_t min_free_mb = 512;       // storage.min_free_mb: commits stop below this (0: never)
  bool read_only = false;  // open as a read-only secondary: works while a segd writes the store
  // Tests only: a migration from storage format 1 stops (as a crash would) after this many
  // customers, failing the open. 0: never.
  uint64_t stop_migration_after = 0;
};

}  // namespace segd
