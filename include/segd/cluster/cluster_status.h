// What the metrics report about the group, as this instance sees it. Value type.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace segd {

struct ClusterStatus {
  int members = 0;      // live members, this one included
  bool leader = false;  // this instance owns partition 0 of the first source topic
  std::map<std::string, int> partitions_by_member;  // by member id (its advertised URL)
  uint64_t forwarded = 0;  // lookups this instance forwarded to another member
  // The shared live model: partitions whose contribution came from another member, and the age
  // (seconds since its owner published it) of the oldest of those (0 without any).
  int live_peer_partitions = 0;
  double live_oldest_age_seconds = 0;
};

}  // namespace segd
