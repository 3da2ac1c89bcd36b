#include "segd/cluster/membership.h"

namespace segd {

void Membership::Apply(const MemberRecord& r) {
  auto it = members_.find(r.member_id);
  if (it != members_.end() && it->second.sent_ms > r.sent_ms) return;  // stale
  if (r.leaving) {
    if (it != members_.end()) members_.erase(it);
    return;
  }
  members_[r.member_id] = r;
}

std::vector<std::string> Membership::Expire(int64_t now_ms) {
  std::vector<std::string> dropped;
  for (auto it = members_.begin(); it != members_.end();) {
    if (now_ms - it->second.sent_ms > timeout_ms_) {
      dropped.push_back(it->first);
      it = members_.erase(it);
    } else {
      ++it;
    }
  }
  return dropped;
}

Ownership Membership::ownership() const {
  Ownership o;
  for (const auto& [id, m] : members_) o.Claim(m);
  return o;
}

std::optional<PartitionOwner> Membership::Leader(const TopicPartition& partition0) const {
  return ownership().Owner(partition0);
}

}  // namespace segd
