#include "segd/state/micro_batch.h"

namespace segd {

void MicroBatch::Reset() {
  customers_.clear();
  progress_.clear();
  meta_.clear();
  dirty_customers_ = 0;
}

Status MicroBatch::Prefetch(std::span<const Event> events) {
  std::vector<std::string_view> missing;
  missing.reserve(events.size());
  for (const Event& e : events) {
    if (customers_.contains(e.subject)) continue;
    if (previous_ != nullptr) {
      auto it = previous_->customers_.find(e.subject);
      if (it != previous_->customers_.end()) {
        customers_.try_emplace(std::string(e.subject), Slot{it->second.value});
        continue;
      }
    }
    // Placeholder, so that a customer named twice is read once; filled below.
    customers_.try_emplace(std::string(e.subject));
    missing.push_back(e.subject);
  }
  std::vector<std::optional<CustomerRecord>> records;
  SEGD_RETURN_IF_ERROR(store_->GetRecords(missing, &records));
  for (size_t i = 0; i < missing.size(); ++i) {
    customers_.find(missing[i])->second.value = std::move(records[i]);
  }
  return Status::Ok();
}

StatusOr<MicroBatch::Slot*> MicroBatch::Load(std::string_view customer_id) {
  auto it = customers_.find(customer_id);
  if (it != customers_.end()) return &it->second;
  if (previous_ != nullptr) {
    auto p = previous_->customers_.find(customer_id);
    if (p != previous_->customers_.end()) {
      return &customers_.try_emplace(std::string(customer_id), Slot{p->second.value}).first->second;
    }
  }
  std::vector<std::optional<CustomerRecord>> out;
  SEGD_RETURN_IF_ERROR(store_->GetRecords({customer_id}, &out));
  return &customers_.try_emplace(std::string(customer_id), Slot{std::move(out[0])}).first->second;
}

StatusOr<const CustomerRecord*> MicroBatch::FindCustomer(std::string_view customer_id) {
  auto slot = Load(customer_id);
  if (!slot.ok()) return slot.status();
  return (*slot)->value ? &*(*slot)->value : nullptr;
}

StatusOr<CustomerRecord*> MicroBatch::MutableCustomer(std::string_view customer_id) {
  auto found = Load(customer_id);
  if (!found.ok()) return found.status();
  Slot& slot = **found;
  if (!slot.value) slot.value.emplace();
  if (!slot.dirty) ++dirty_customers_;
  slot.dirty = true;
  slot.partition = partition_;
  return &*slot.value;
}

StatusOr<bool> MicroBatch::LegacyEventSeen(std::string_view event_id) {
  std::vector<bool> has;
  SEGD_RETURN_IF_ERROR(store_->HasLegacyEvents({event_id}, &has));
  return bool(has[0]);
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
  d.customer_partitions.reserve(dirty_customers_);
  for (const auto& [id, slot] : customers_) {
    if (!slot.dirty) continue;
    d.customers.emplace_back(id, &*slot.value);
    d.customer_partitions.push_back(slot.partition);
  }
  d.progress.assign(progress_.begin(), progress_.end());
  d.meta = meta_;
  return d;
}

}  // namespace segd
