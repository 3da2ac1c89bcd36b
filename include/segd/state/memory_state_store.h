// An in-memory StateStore for unit tests and tools: same contract as the RocksDB store, minus
// durability. Safe for one writer concurrent with readers (one mutex).
#pragma once

#include <map>
#include <mutex>

#include "segd/state/state_store.h"

namespace segd {

class MemoryStateStore : public StateStore {
 public:
  Status GetCustomers(const std::vector<std::string_view>& ids,
                      std::vector<std::optional<CustomerState>>* out) override;
  Status GetRecords(const std::vector<std::string_view>& ids,
                    std::vector<std::optional<CustomerRecord>>* out) override;
  Status HasLegacyEvents(const std::vector<std::string_view>& event_ids,
                         std::vector<bool>* out) override;
  Status ScanCustomers(
      const std::function<bool(std::string_view, const CustomerState&)>& fn) override;
  Status ScanRecords(
      std::string_view from,
      const std::function<bool(std::string_view, const CustomerRecord&)>& fn) override;
  // A copy of every customer's state (a memory store is small).
  StatusOr<std::shared_ptr<const CustomerSnapshot>> SnapshotCustomers() override;
  Status ReadProgress(std::vector<std::pair<TopicPartition, PartitionProgress>>* out) override;
  StatusOr<std::optional<std::string>> GetMeta(std::string_view name) override;
  Status ScanMeta(std::string_view prefix, std::string_view from,
                  const std::function<bool(std::string_view, std::string_view)>& fn) override;
  Status Commit(const StateDelta& delta) override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, CustomerRecord, std::less<>> customers_;
  std::map<TopicPartition, PartitionProgress> progress_;
  std::map<std::string, std::string, std::less<>> meta_;
};

}  // namespace segd
