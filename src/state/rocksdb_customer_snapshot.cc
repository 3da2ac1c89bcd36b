#include "state/rocksdb_customer_snapshot.h"

#include <memory>

#include "segd/state/state_codec.h"

namespace segd {

RocksDbCustomerSnapshot::RocksDbCustomerSnapshot(rocksdb::DB* db,
                                                 rocksdb::ColumnFamilyHandle* customers, bool pin)
    : db_(db), customers_(customers), snapshot_(pin ? db->GetSnapshot() : nullptr) {}

RocksDbCustomerSnapshot::~RocksDbCustomerSnapshot() {
  if (snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
}

Status RocksDbCustomerSnapshot::Scan(
    std::string_view after,
    const std::function<bool(std::string_view, const CustomerRecord&)>& fn) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  ro.fill_cache = false;  // a listing must not evict the hot set
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, customers_));
  it->Seek(rocksdb::Slice(after.data(), after.size()));
  // Seek lands on `after` itself when it is stored: the page before ended there.
  if (it->Valid() && !after.empty() && it->key().ToStringView() == after) it->Next();
  CustomerRecord s;
  for (; it->Valid(); it->Next()) {
    Status decoded = DecodeCustomerRecord(it->value().ToStringView(), &s);
    if (!decoded.ok()) return decoded;
    if (!fn(it->key().ToStringView(), s)) break;
  }
  const rocksdb::Status status = it->status();
  return status.ok() ? Status::Ok() : IoError("scan customers: " + status.ToString());
}

}  // namespace segd
