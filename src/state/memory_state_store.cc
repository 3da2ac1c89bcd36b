#include "segd/state/memory_state_store.h"

#include <algorithm>

#include "segd/state/state_codec.h"

namespace segd {

Status MemoryStateStore::GetCustomers(const std::vector<std::string_view>& ids,
                                      std::vector<std::optional<CustomerState>>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->assign(ids.size(), std::nullopt);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = customers_.find(ids[i]);
    if (it != customers_.end()) (*out)[i] = it->second;
  }
  return Status::Ok();
}

Status MemoryStateStore::GetOrders(const std::vector<std::string_view>& keys,
                                   std::vector<std::optional<OrderRecord>>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->assign(keys.size(), std::nullopt);
  for (size_t i = 0; i < keys.size(); ++i) {
    auto it = orders_.find(keys[i]);
    if (it != orders_.end()) (*out)[i] = it->second;
  }
  return Status::Ok();
}

Status MemoryStateStore::HasEvents(const std::vector<std::string_view>& ids,
                                   std::vector<bool>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->assign(ids.size(), false);
  for (size_t i = 0; i < ids.size(); ++i) (*out)[i] = events_.count(ids[i]) > 0;
  return Status::Ok();
}

Status MemoryStateStore::ScanOrders(
    std::string_view customer_id,
    const std::function<void(std::string_view, const OrderRecord&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string prefix = OrderKeyPrefix(customer_id);
  for (auto it = orders_.lower_bound(prefix);
       it != orders_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
    fn(it->first, it->second);
  }
  return Status::Ok();
}

Status MemoryStateStore::ScanCustomers(
    const std::function<bool(std::string_view, const CustomerState&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, state] : customers_) {
    if (!fn(id, state)) break;
  }
  return Status::Ok();
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
  for (const auto& [id, state] : delta.customers) customers_[std::string(id)] = *state;
  for (const auto& [key, record] : delta.orders) orders_[std::string(key)] = *record;
  for (std::string_view id : delta.event_ids) events_.emplace(id);
  for (const auto& [tp, p] : delta.progress) progress_[tp] = p;
  for (const auto& [name, blob] : delta.meta) meta_[name] = blob;
  for (const std::string& name : delta.meta_deletes) meta_.erase(name);
  return Status::Ok();
}

}  // namespace segd
