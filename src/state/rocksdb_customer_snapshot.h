// The RocksDB store's CustomerSnapshot: a RocksDB snapshot of the customers column family, read
// with a fresh iterator per Scan. Safe for concurrent readers; must be destroyed before the DB.
#pragma once

#include <rocksdb/db.h>

#include "segd/state/customer_snapshot.h"

namespace segd {

class RocksDbCustomerSnapshot : public CustomerSnapshot {
 public:
  // Pins the DB's current state. `pin` false: the DB is a secondary that never catches up with
  // its primary (its view is fixed anyway, and it cannot pin snapshots).
  RocksDbCustomerSnapshot(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* customers, bool pin);
  ~RocksDbCustomerSnapshot() override;

  Status Scan(
      std::string_view after,
      const std::function<bool(std::string_view, const CustomerRecord&)>& fn) const override;

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* customers_;
  const rocksdb::Snapshot* snapshot_;  // released by the destructor (nullptr: not pinned)
};

}  // namespace segd
