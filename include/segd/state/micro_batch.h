// The working set of one micro-batch: reads go through the batch's own writes, then values
// prefetched from the store, then the previous batch (if one is set: committed or still being
// committed), then the store; writes stay here until Delta() hands them to StateStore::Commit.
// Owned by the consumer thread; while its commit runs on another thread a batch is only read.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "segd/common/status.h"
#include "segd/event/event.h"
#include "segd/state/state_delta.h"
#include "segd/state/state_store.h"

namespace segd {

class MicroBatch {
 public:
  explicit MicroBatch(StateStore* store) : store_(store) {}

  // Forgets everything, keeping allocated capacity.
  void Reset();

  // The batch applied just before this one, whose commit may still be running: its values
  // (read or written) are newer than the store's. Only read (never through its own previous),
  // so it must stay unchanged until this batch is Reset or given another previous. nullptr:
  // the store is up to date.
  void SetPrevious(const MicroBatch* previous) { previous_ = previous; }

  // Loads, with one batched read, the records of the customers `events` name. Optional (reads
  // fall back to the store) but turns N point reads into one MultiGet.
  [[nodiscard]] Status Prefetch(std::span<const Event> events);

  // The customer's current record, or nullptr if the customer does not exist yet. The pointer
  // is valid until the next call on this batch.
  [[nodiscard]] StatusOr<const CustomerRecord*> FindCustomer(std::string_view customer_id);
  // The record to change in place (created empty if the customer does not exist), written with
  // this batch. Valid until the next call on this batch.
  [[nodiscard]] StatusOr<CustomerRecord*> MutableCustomer(std::string_view customer_id);

  // The source partition of the event being applied: customers changed from now on are
  // recorded as changed from it (StateDelta::customer_partitions).
  void SetPartition(int32_t partition) { partition_ = partition; }

  // Whether the store's legacy event-id index (storage format 1, see OrderEntry::legacy) holds
  // this id.
  [[nodiscard]] StatusOr<bool> LegacyEventSeen(std::string_view event_id);

  // Progress to commit with this batch (replaces any earlier value for the partition).
  void SetProgress(const TopicPartition& tp, const PartitionProgress& progress);
  void PutMeta(std::string name, std::string blob);

  // The writes so far. Valid until the batch is next changed or Reset.
  StateDelta Delta() const;

 private:
  // Hashing by string_view lets lookups use the event's fields without building a key string.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  struct Slot {
    std::optional<CustomerRecord> value;  // nullopt: known to be absent
    bool dirty = false;
    int32_t partition = 0;  // of the latest change (when dirty)
  };
  using Slots = std::unordered_map<std::string, Slot, StringHash, std::equal_to<>>;

  // This batch's slot for the customer, loaded from the previous batch or the store if needed.
  StatusOr<Slot*> Load(std::string_view customer_id);

  StateStore* store_;
  const MicroBatch* previous_ = nullptr;
  Slots customers_;
  std::map<TopicPartition, PartitionProgress> progress_;
  std::vector<std::pair<std::string, std::string>> meta_;
  size_t dirty_customers_ = 0;
  int32_t partition_ = 0;
};

}  // namespace segd
