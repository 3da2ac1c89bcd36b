// Durable per-customer state. Implementations are safe for concurrent readers and writers: the
// ingest pipeline issues its commits one at a time, in order, possibly each from a different
// thread (so no thread-local state); the drift monitor commits its history records (meta blobs
// only) from its own thread, and implementations serialize such commits.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "segd/common/status.h"
#include "segd/state/customer_record.h"
#include "segd/state/customer_snapshot.h"
#include "segd/state/customer_state.h"
#include "segd/state/partition_progress.h"
#include "segd/state/state_delta.h"
#include "segd/state/store_backup.h"

namespace segd {

class StateStore {
 public:
  virtual ~StateStore() = default;

  // Batched point reads: out[i] answers ids[i] (nullopt / false when absent). `out` is resized.
  // The state alone (lookups, features)...
  [[nodiscard]] virtual Status GetCustomers(const std::vector<std::string_view>& ids,
                                            std::vector<std::optional<CustomerState>>* out) = 0;
  // ... or the whole record with the customer's orders (ingest).
  [[nodiscard]] virtual Status GetRecords(const std::vector<std::string_view>& ids,
                                          std::vector<std::optional<CustomerRecord>>* out) = 0;
  // Whether each event id is in the event-id index that a store migrated from storage format 1
  // keeps for the orders it migrated (OrderEntry::legacy); false everywhere in other stores.
  [[nodiscard]] virtual Status HasLegacyEvents(const std::vector<std::string_view>& event_ids,
                                               std::vector<bool>* out) = 0;

  // Calls `fn(customer_id, state)` for every stored customer in key order until it returns false.
  [[nodiscard]] virtual Status ScanCustomers(
      const std::function<bool(std::string_view, const CustomerState&)>& fn) = 0;

  // Calls `fn(customer_id, record)` for every stored customer whose id is not less than `from`,
  // in key order, until it returns false.
  [[nodiscard]] virtual Status ScanRecords(
      std::string_view from,
      const std::function<bool(std::string_view, const CustomerRecord&)>& fn) = 0;

  // A view of the customers as of the last completed commit (never part of one), for paging
  // through them while commits go on. The view must be released before the store is destroyed.
  // Stores that cannot pin a view: FailedPrecondition.
  [[nodiscard]] virtual StatusOr<std::shared_ptr<const CustomerSnapshot>> SnapshotCustomers() {
    return FailedPrecondition("this state store cannot take snapshots");
  }

  // Every partition this store has progress for.
  [[nodiscard]] virtual Status ReadProgress(
      std::vector<std::pair<TopicPartition, PartitionProgress>>* out) = 0;

  [[nodiscard]] virtual StatusOr<std::optional<std::string>> GetMeta(std::string_view name) = 0;

  // Calls `fn(name, blob)` for every meta blob whose name starts with `prefix` and is not less
  // than `from` (pass `prefix` for all), in name order, until it returns false.
  [[nodiscard]] virtual Status ScanMeta(
      std::string_view prefix, std::string_view from,
      const std::function<bool(std::string_view, std::string_view)>& fn) = 0;

  // Applies every write of `delta` atomically and durably (per the store's sync setting): after a
  // crash either all of it or none of it is visible.
  [[nodiscard]] virtual Status Commit(const StateDelta& delta) = 0;

  // Adds a backup of the whole store to request.dir: customers, progress and meta as of one
  // commit (never part of one), so the backup's offsets match its state. Safe while commits run
  // (they go on meanwhile); one backup at a time per directory. Stores without files of their
  // own cannot be backed up: FailedPrecondition.
  [[nodiscard]] virtual StatusOr<StoreBackup> Backup(const StoreBackupRequest& request) {
    (void)request;
    return FailedPrecondition("this state store cannot be backed up");
  }
};

}  // namespace segd
