#include "segd/state/micro_batch.h"

#include "segd/state/state_codec.h"

namespace segd {

void MicroBatch::Reset() {
  customers_.clear();
  orders_.clear();
  seen_events_.clear();
  applied_events_.clear();
  checked_events_.clear();
  progress_.clear();
  meta_.clear();
  dirty_customers_ = 0;
}

const std::optional<CustomerState>* MicroBatch::PreviousCustomer(std::string_view id) const {
  if (previous_ == nullptr) return nullptr;
  auto it = previous_->customers_.find(id);
  return it == previous_->customers_.end() ? nullptr : &it->second.value;
}

const std::optional<OrderRecord>* MicroBatch::PreviousOrder(std::string_view key) const {
  if (previous_ == nullptr) return nullptr;
  auto it = previous_->orders_.find(key);
  return it == previous_->orders_.end() ? nullptr : &it->second.value;
}

std::optional<bool> MicroBatch::PreviousEventSeen(std::string_view id) const {
  if (previous_ == nullptr) return std::nullopt;
  if (previous_->applied_events_.contains(id) || previous_->seen_events_.contains(id)) return true;
  if (previous_->checked_events_.contains(id)) return false;
  return std::nullopt;
}

Status MicroBatch::Prefetch(std::span<const Event> events) {
  std::vector<std::string> order_keys;
  std::vector<std::string_view> ids, customers, orders;
  order_keys.reserve(events.size());
  for (const Event& e : events) {
    if (!seen_events_.contains(e.id) && !checked_events_.contains(e.id) &&
        !applied_events_.contains(e.id)) {
      if (auto seen = PreviousEventSeen(e.id)) {
        (*seen ? seen_events_ : checked_events_).emplace(e.id);
      } else {
        ids.push_back(e.id);
      }
    }
    if (!customers_.contains(e.subject)) {
      if (const auto* p = PreviousCustomer(e.subject)) {
        customers_.try_emplace(std::string(e.subject), Slot<CustomerState>{*p});
      } else {
        customers.push_back(e.subject);
      }
    }
    order_keys.push_back(OrderKey(e.subject, e.order_id));
  }
  for (const std::string& k : order_keys) {
    if (orders_.contains(k)) continue;
    if (const auto* p = PreviousOrder(k)) {
      orders_.try_emplace(k, Slot<OrderRecord>{*p});
    } else {
      orders.push_back(k);
    }
  }
  std::vector<bool> has;
  SEGD_RETURN_IF_ERROR(store_->HasEvents(ids, &has));
  for (size_t i = 0; i < ids.size(); ++i) {
    (has[i] ? seen_events_ : checked_events_).emplace(ids[i]);
  }
  std::vector<std::optional<CustomerState>> cs;
  SEGD_RETURN_IF_ERROR(store_->GetCustomers(customers, &cs));
  for (size_t i = 0; i < customers.size(); ++i) {
    customers_.try_emplace(std::string(customers[i]), Slot<CustomerState>{std::move(cs[i])});
  }
  std::vector<std::optional<OrderRecord>> os;
  SEGD_RETURN_IF_ERROR(store_->GetOrders(orders, &os));
  for (size_t i = 0; i < orders.size(); ++i) {
    orders_.try_emplace(std::string(orders[i]), Slot<OrderRecord>{os[i]});
  }
  return Status::Ok();
}

StatusOr<bool> MicroBatch::EventSeen(std::string_view id) {
  if (applied_events_.contains(id) || seen_events_.contains(id)) return true;
  if (checked_events_.contains(id)) return false;
  if (auto seen = PreviousEventSeen(id)) {
    (*seen ? seen_events_ : checked_events_).emplace(id);
    return *seen;
  }
  std::vector<bool> has;
  SEGD_RETURN_IF_ERROR(store_->HasEvents({id}, &has));
  (has[0] ? seen_events_ : checked_events_).emplace(id);
  return bool(has[0]);
}

void MicroBatch::MarkEventApplied(std::string_view event_id) { applied_events_.emplace(event_id); }

StatusOr<const CustomerState*> MicroBatch::FindCustomer(std::string_view customer_id) {
  auto it = customers_.find(customer_id);
  if (it == customers_.end() && PreviousCustomer(customer_id) != nullptr) {
    it = customers_
             .try_emplace(std::string(customer_id),
                          Slot<CustomerState>{*PreviousCustomer(customer_id)})
             .first;
  }
  if (it == customers_.end()) {
    std::vector<std::optional<CustomerState>> out;
    SEGD_RETURN_IF_ERROR(store_->GetCustomers({customer_id}, &out));
    it = customers_.try_emplace(std::string(customer_id), Slot<CustomerState>{std::move(out[0])})
             .first;
  }
  return it->second.value ? &*it->second.value : nullptr;
}

StatusOr<const OrderRecord*> MicroBatch::FindOrder(std::string_view order_key) {
  auto it = orders_.find(order_key);
  if (it == orders_.end() && PreviousOrder(order_key) != nullptr) {
    it = orders_.try_emplace(std::string(order_key), Slot<OrderRecord>{*PreviousOrder(order_key)})
             .first;
  }
  if (it == orders_.end()) {
    std::vector<std::optional<OrderRecord>> out;
    SEGD_RETURN_IF_ERROR(store_->GetOrders({order_key}, &out));
    it = orders_.try_emplace(std::string(order_key), Slot<OrderRecord>{out[0]}).first;
  }
  return it->second.value ? &*it->second.value : nullptr;
}

void MicroBatch::PutCustomer(std::string_view customer_id, const CustomerState& state) {
  auto it = customers_.find(customer_id);
  if (it == customers_.end()) it = customers_.try_emplace(std::string(customer_id)).first;
  if (!it->second.dirty) ++dirty_customers_;
  it->second.value = state;
  it->second.dirty = true;
}

void MicroBatch::PutOrder(std::string_view order_key, const OrderRecord& record) {
  auto it = orders_.find(order_key);
  if (it == orders_.end()) it = orders_.try_emplace(std::string(order_key)).first;
  it->second.value = record;
  it->second.dirty = true;
}

Status MicroBatch::ForEachOrder(
    std::string_view customer_id,
    const std::function<void(std::string_view, const OrderRecord&)>& fn) {
  // Merge the stored range with this batch's entries for the same prefix; the batch wins.
  const std::string prefix = OrderKeyPrefix(customer_id);
  std::map<std::string, OrderRecord, std::less<>> merged;
  SEGD_RETURN_IF_ERROR(store_->ScanOrders(
      customer_id, [&](std::string_view k, const OrderRecord& r) { merged.emplace(k, r); }));
  if (previous_ != nullptr) {  // newer than the store, older than this batch
    for (auto it = previous_->orders_.lower_bound(prefix);
         it != previous_->orders_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
      if (it->second.value) merged[it->first] = *it->second.value;
    }
  }
  for (auto it = orders_.lower_bound(prefix);
       it != orders_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
    if (it->second.value) merged[it->first] = *it->second.value;
  }
  for (const auto& [k, r] : merged) fn(k, r);
  return Status::Ok();
}

void MicroBatch::SetProgress(const TopicPartition& tp, const PartitionProgress& progress) {
  progress_[tp] = progress;
}

void MicroBatch::PutMeta(std::string name, std::string blob) {
  meta_.emplace_back(std::move(name), std::move(blob));
}

StateDelta MicroBatch::Delta() const {
  StateDelta d;
  d.customers.reserve(dirty_customers_);
  for (const auto& [id, slot] : customers_) {
    if (slot.dirty) d.customers.emplace_back(id, &*slot.value);
  }
  for (const auto& [key, slot] : orders_) {
    if (slot.dirty) d.orders.emplace_back(key, &*slot.value);
  }
  d.event_ids.assign(applied_events_.begin(), applied_events_.end());
  d.progress.assign(progress_.begin(), progress_.end());
  d.meta = meta_;
  return d;
}

}  // namespace segd
