// The working set of one micro-batch: reads go through the batch's own writes, then values
// prefetched from the store, then the previous batch (if one is set: committed or still being
// committed), then the store; writes stay here until Delta() hands them to StateStore::Commit.
// Owned by the consumer thread; while its commit runs on another thread a batch is only read.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

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

  // Loads, with one batched read per kind, what applying `events` will touch: their ids,
  // customers and orders. Optional (reads fall back to the store) but turns N point reads into
  // three MultiGets.
  [[nodiscard]] Status Prefetch(std::span<const Event> events);

  // True if an event with this id was applied before or earlier in this batch.
  [[nodiscard]] StatusOr<bool> EventSeen(std::string_view event_id);
  void MarkEventApplied(std::string_view event_id);

  // The current value, or nullptr if the customer / order does not exist yet. The pointer is
  // valid until the next call on this batch.
  [[nodiscard]] StatusOr<const CustomerState*> FindCustomer(std::string_view customer_id);
  [[nodiscard]] StatusOr<const OrderRecord*> FindOrder(std::string_view order_key);

  // Writes (creates or replaces) a value in this batch.
  void PutCustomer(std::string_view customer_id, const CustomerState& state);
  void PutOrder(std::string_view order_key, const OrderRecord& record);

  // Calls fn(order_key, record) for every order of the customer: stored ones overlaid with this
  // batch's writes, in key order.
  [[nodiscard]] Status ForEachOrder(
      std::string_view customer_id,
      const std::function<void(std::string_view, const OrderRecord&)>& fn);

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
  using IdSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

  template <typename T>
  struct Slot {
    std::optional<T> value;  // nullopt: known to be absent
    bool dirty = false;
  };

  // What the previous batch knows of a key: nullptr if nothing (ask the store), else its value
  // (an empty optional: known to be absent). Reads only.
  const std::optional<CustomerState>* PreviousCustomer(std::string_view id) const;
  const std::optional<OrderRecord>* PreviousOrder(std::string_view key) const;
  std::optional<bool> PreviousEventSeen(std::string_view id) const;

  StateStore* store_;
  const MicroBatch* previous_ = nullptr;
  std::unordered_map<std::string, Slot<CustomerState>, StringHash, std::equal_to<>> customers_;
  std::map<std::string, Slot<OrderRecord>, std::less<>> orders_;  // ordered for ForEachOrder
  IdSet seen_events_;                                             // applied before this batch
  IdSet applied_events_;                                          // applied in this batch
  IdSet checked_events_;  // looked up, known not applied before
  std::map<TopicPartition, PartitionProgress> progress_;
  std::vector<std::pair<std::string, std::string>> meta_;
  size_t dirty_customers_ = 0;
};

}  // namespace segd
