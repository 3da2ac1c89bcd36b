#include "segd/cluster/standby_placement.h"

#include <algorithm>

namespace segd {

std::vector<int32_t> StandbyPartitions(const std::map<std::string, std::set<int32_t>>& by_member,
                                       const std::string& self, int replicas) {
  std::vector<std::string> members;
  for (const auto& [id, owned] : by_member) members.push_back(id);  // map order: sorted
  const auto me = std::find(members.begin(), members.end(), self);
  if (me == members.end() || replicas <= 0) return {};
  const size_t n = members.size();
  const size_t mine = size_t(me - members.begin());
  std::set<int32_t> out;
  for (size_t i = 0; i < n; ++i) {
    if (i == mine) continue;
    // Is `self` among the `replicas` members after member i?
    const size_t distance = (mine + n - i) % n;
    if (distance == 0 || distance > size_t(replicas)) continue;
    for (int32_t p : by_member.at(members[i])) out.insert(p);
  }
  for (int32_t p : by_member.at(self)) out.erase(p);
  return {out.begin(), out.end()};
}

}  // namespace segd
