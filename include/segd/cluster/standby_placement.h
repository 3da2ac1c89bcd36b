// Where standby replicas live: for each partition, the `replicas` members that follow its owner
// in member-id order (wrapping around). Every member computes the same placement from the same
// member table. Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace segd {

// The partitions `self` keeps a standby copy of, given every member's owned partitions (members
// owning nothing included, with an empty set). Never one `self` owns.
std::vector<int32_t> StandbyPartitions(const std::map<std::string, std::set<int32_t>>& by_member,
                                       const std::string& self, int replicas);

}  // namespace segd
