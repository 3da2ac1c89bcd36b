// This instance's view of the segd group: publishes its member record on every assignment
// change and as a heartbeat, reads everyone's from the control topic, and answers where a
// customer is served. Runs one background thread; Locate/status/leader are safe from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "segd/cluster/cluster_status.h"
#include "segd/cluster/control_log.h"
#include "segd/cluster/customer_route.h"
#include "segd/cluster/membership.h"
#include "segd/cluster/partitioner.h"

namespace segd {

struct ClusterNodeOptions {
  std::string member_id;     // unique in the group (the advertised URL by default)
  std::string url;           // advertised base URL
  std::string source_topic;  // the first source topic: customers are routed by its partitions
  PartitionerKind partitioner = PartitionerKind::kConsistentRandom;
  int heartbeat_ms = 1000;
  int member_timeout_ms = 10000;
};

// This instance's partitions, as the consumer sees them.
struct LocalPartitions {
  uint64_t generation = 0;               // changes with every assignment or revocation
  std::vector<TopicPartition> assigned;  // owned now
  std::vector<TopicPartition> served;    // owned and consumed to the end since assignment
  uint64_t customers = 0;                // customers with orders in the committed state
  int64_t watermark_ms = 0;              // largest committed event time
};

class ClusterNode : public CustomerLocator {
 public:
  // `local` is called on the node's thread; `now_ms` is the wall clock (injected for tests).
  ClusterNode(ClusterNodeOptions options, std::unique_ptr<ControlLog> log,
              std::function<LocalPartitions()> local, std::function<int64_t()> now_ms);
  ~ClusterNode() override;  // Stop()

  // Starts the background thread (Step every ~100 ms). `url` is this instance's advertised URL
  // (known once the HTTP server is bound); it is also the member id when options.member_id is
  // empty. Until Start, Locate answers kUnavailable.
  void Start(const std::string& url);
  // Publishes a leaving record (the others forget this member at once) and stops the thread.
  void Stop();

  // One round: publish if the assignment changed or a heartbeat is due, read the control
  // topic for up to `read_timeout_ms`, drop silent members. Called by the thread; public so
  // tests can drive a node without one.
  [[nodiscard]] Status Step(int read_timeout_ms);

  // Before Start: `handler` gets every message of `kind` (its first line, e.g. "segd-baseline
  // 1") read from the control topic, in log order, on the node's thread.
  void Subscribe(std::string kind, std::function<void(const ControlMessage&)> handler);
  // Thread-safe: queues `value` (any kind but member records) for the control topic; the next
  // Step sends it, keyed by `key` (this member's id when empty). On a compacted control topic
  // only the latest message of each key is sure to stay: a message every member needs after a
  // restart (the group's baseline) uses one key for the group.
  void Publish(std::string value, std::string key = "");

  CustomerRoute Locate(std::string_view customer_id) const override;
  void CountForwarded() const override { forwarded_.fetch_add(1, std::memory_order_relaxed); }

  // The leader's id (owner of partition 0 of the source topic), nullopt while unowned.
  std::optional<std::string> leader() const;
  bool is_leader() const;
  ClusterStatus status() const;
  // The live members' latest records (this one's included once published), by member id.
  std::map<std::string, MemberRecord> members() const;
  // This instance's member id and advertised URL (empty before Start).
  const std::string& member_id() const { return options_.member_id; }
  // The customer's partition of the source topic, nullopt while the count is unknown.
  std::optional<int32_t> PartitionOf(std::string_view customer_id) const;
  // Whether the member table is complete and holds another live member.
  bool has_peers() const;
  // Partitions of the source topic (0 while unknown).
  int32_t partition_count() const;
  // Every partition of the source topic by its owner (double claims resolved as for routing),
  // nullopt while the count is unknown or a partition has no owner.
  std::optional<std::map<std::string, std::set<int32_t>>> partitions_by_owner() const;

 private:
  MemberRecord OwnRecord(int64_t now, bool leaving) const;
  void Run();

  ClusterNodeOptions options_;  // url and member_id fixed by Start
  std::unique_ptr<ControlLog> log_;
  std::function<LocalPartitions()> local_;
  std::map<std::string, std::vector<std::function<void(const ControlMessage&)>>> handlers_;
  std::function<int64_t()> now_ms_;

  // Node thread only.
  std::optional<uint64_t> generation_;
  int64_t assigned_ms_ = 0;
  std::vector<TopicPartition> assigned_;
  int64_t last_publish_ms_ = 0;
  int64_t last_count_ms_ = 0;

  mutable std::mutex mu_;
  Membership membership_;                  // guarded by mu_
  Ownership ownership_;                    // guarded by mu_
  std::set<TopicPartition> served_;        // guarded by mu_
  std::set<TopicPartition> assigned_set_;  // guarded by mu_: assigned_ as of the last Step
  int32_t partitions_ = 0;                 // guarded by mu_; 0: not known yet
  bool history_read_ = false;              // guarded by mu_
  bool has_partitions_ = false;            // guarded by mu_: the consumer has an assignment
  mutable std::atomic<uint64_t> forwarded_{0};
  std::vector<ControlMessage> outbox_;  // guarded by mu_
  LocalPartitions last_local_;          // node thread only

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;  // guarded by stop_mu_
  std::thread thread_;
};

}  // namespace segd
