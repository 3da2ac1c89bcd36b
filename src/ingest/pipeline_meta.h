// Store meta blobs the ingest pipeline owns. Internal to the ingest area; constants only.
#pragma once

#include <cstdint>
#include <string>

namespace segd {

inline constexpr const char* kLiveModelKey = "model/live";
inline constexpr const char* kCustomersKey = "stats/customers";  // u64, host byte order

inline constexpr const char* kRelabelKey = "announce/relabel";

// A source partition's last segment-change events (EncodeAnnouncements).
inline std::string AnnouncementsKey(int32_t partition) {
  return "announce/outbox/" + std::to_string(partition);
}

inline std::string EncodeCount(uint64_t n) {
  return std::string(reinterpret_cast<const char*>(&n), 8);
}

}  // namespace segd
