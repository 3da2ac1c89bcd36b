// The members of a segd group as heard on the control topic: the latest record of each, until
// it leaves or falls silent. Not synchronised (ClusterNode guards it).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "segd/cluster/member_record.h"
#include "segd/cluster/ownership.h"

namespace segd {

class Membership {
 public:
  // Members whose last heartbeat (sent_ms) is older than `member_timeout_ms` are dropped.
  explicit Membership(int64_t member_timeout_ms) : timeout_ms_(member_timeout_ms) {}

  // Takes a record: it replaces the member's previous one unless older (records of one member
  // arrive in order, but a restarted member reuses its id); a leaving record removes it.
  void Apply(const MemberRecord& record);
  // Drops members silent since before now_ms - timeout; returns their ids.
  std::vector<std::string> Expire(int64_t now_ms);

  const std::map<std::string, MemberRecord>& members() const { return members_; }
  // Owners of every claimed partition, from the live members' claims.
  Ownership ownership() const;
  // The leader: the owner of `partition0` (partition 0 of the first source topic), or nullopt
  // while nobody owns it. Deterministic: every instance with the same records agrees.
  std::optional<PartitionOwner> Leader(const TopicPartition& partition0) const;

 private:
  int64_t timeout_ms_;
  std::map<std::string, MemberRecord> members_;
};

}  // namespace segd
