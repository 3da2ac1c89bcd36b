#include "segd/cluster/ownership.h"

#include <tuple>

namespace segd {

void Ownership::Claim(const MemberRecord& m) {
  if (m.leaving) return;
  for (const TopicPartition& tp : m.partitions) {
    auto [it, inserted] = owners_.try_emplace(tp, Claimant{{m.member_id, m.url}, m.assigned_ms});
    if (inserted) continue;
    Claimant& c = it->second;
    if (std::tie(m.assigned_ms, m.member_id) > std::tie(c.assigned_ms, c.owner.member_id)) {
      c = Claimant{{m.member_id, m.url}, m.assigned_ms};
    }
  }
}

std::optional<PartitionOwner> Ownership::Owner(const TopicPartition& tp) const {
  auto it = owners_.find(tp);
  if (it == owners_.end()) return std::nullopt;
  return it->second.owner;
}

std::map<std::string, int> Ownership::PartitionCounts() const {
  std::map<std::string, int> counts;
  for (const auto& [tp, c] : owners_) ++counts[c.owner.member_id];
  return counts;
}

}  // namespace segd
