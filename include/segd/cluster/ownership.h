// Which member owns each partition, resolved from the members' claims. Value type; not
// synchronised.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "segd/cluster/member_record.h"
#include "segd/state/partition_progress.h"

namespace segd {

struct PartitionOwner {
  std::string member_id;
  std::string url;
  bool operator==(const PartitionOwner&) const = default;
};

class Ownership {
 public:
  // Adds a member's claims: a partition claimed twice goes to the later assignment (then the
  // larger member id, so every instance resolves a tie the same way).
  void Claim(const MemberRecord& member);

  // The owner of `tp`, or nullopt when no live member claims it (a rebalance in progress).
  std::optional<PartitionOwner> Owner(const TopicPartition& tp) const;
  // Partitions per owner id.
  std::map<std::string, int> PartitionCounts() const;

 private:
  struct Claimant {
    PartitionOwner owner;
    int64_t assigned_ms = 0;
  };
  std::map<TopicPartition, Claimant> owners_;
};

}  // namespace segd
