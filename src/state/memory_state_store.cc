#include "segd/state/memory_state_store.h"

#include <algorithm>

namespace segd {
namespace {

class MemoryCustomerSnapshot : public CustomerSnapshot {
 public:
  explicit MemoryCustomerSnapshot(std::map<std::string, CustomerRecord, std::less<>> customers)
      : customers_(std::move(customers)) {}

  Status Scan(
      std::string_view after,
      const std::function<bool(std::string_view, const CustomerRecord&)>& fn) const override {
    for (auto it = customers_.upper_bound(after); it != customers_.end(); ++it) {
      if (!fn(it->first, it->second)) break;
    }
    return Status::Ok();
  }

 private:
  const std::map<std::string, CustomerRecord, std::less<>> customers_;
};

}  // namespace

Status MemoryStateStore::GetCustomers(const std::vector<std::string_view>& ids,
                                      std::vector<std::optional<CustomerState>>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->assign(ids.size(), std::nullopt);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = customers_.find(ids[i]);
    if (it != customers_.end()) (*out)[i] = it->second.state;
  }
  return Status::Ok();
}

Status MemoryStateStore::GetRecords(const std::vector<std::string_view>& ids,
                                    std::vector<std::optional<CustomerRecord>>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->assign(ids.size(), std::nullopt);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = customers_.find(ids[i]);
    if (it != customers_.end()) (*out)[i] = it->second;
  }
  return Status::Ok();
}

Status MemoryStateStore::HasLegacyEvents(const std::vector<std::string_view>& ids,
                                         std::vector<bool>* out) {
  out->assign(ids.size(), false);  // never migrated from storage format 1
  return Status::Ok();
}

Status MemoryStateStore::ScanCustomers(
    const std::function<bool(std::string_view, const CustomerState&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, record] : customers_) {
    if (!fn(id, record.state)) break;
  }
  return Status::Ok();
}

Status MemoryStateStore::ScanRecords(
    std::string_view from, const std::function<bool(std::string_view, const CustomerRecord&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = customers_.lower_bound(from); it != customers_.end(); ++it) {
    if (!fn(it->first, it->second)) break;
  }
  return Status::Ok();
}

StatusOr<std::shared_ptr<const CustomerSnapshot>> MemoryStateStore::SnapshotCustomers() {
  std::map<std::string, CustomerRecord, std::less<>> copy;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, record] : customers_) copy.emplace_hint(copy.end(), id, record);
  }
  return std::shared_ptr<const CustomerSnapshot>(
      std::make_shared<MemoryCustomerSnapshot>(std::move(copy)));
}

Status MemoryStateStore::ReadProgress(
    std::vector<std::pair<TopicPartition, PartitionProgress>>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->assign(progress_.begin(), progress_.end());
  return Status::Ok();
}

StatusOr<std::optional<std::string>> MemoryStateStore::GetMeta(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = meta_.find(name);
  if (it == meta_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemoryStateStore::ScanMeta(
    std::string_view prefix, std::string_view from,
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = meta_.lower_bound(std::max(prefix, from));
       it != meta_.end() && it->first.starts_with(prefix); ++it) {
    if (!fn(it->first, it->second)) break;
  }
  return Status::Ok();
}

Status MemoryStateStore::Commit(const StateDelta& delta) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, record] : delta.customers) customers_[std::string(id)] = *record;
  for (const auto& [tp, p] : delta.progress) progress_[tp] = p;
  for (const auto& [name, blob] : delta.meta) meta_[name] = blob;
  for (const std::string& name : delta.meta_deletes) meta_.erase(name);
  return Status::Ok();
}

}  // namespace segd
