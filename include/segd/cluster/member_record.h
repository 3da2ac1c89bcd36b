// What one segd instance tells the others through the control topic: who it is, where it
// answers, which partitions it owns since when. Value type; not synchronised.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "segd/common/status.h"
#include "segd/state/partition_progress.h"

namespace segd {

// The kind line of a member record on the control topic.
inline constexpr std::string_view kMemberRecordKind = "segd-member 1";

struct MemberRecord {
  std::string member_id;  // unique per running instance
  std::string url;        // advertised base URL, e.g. "http://10.0.0.7:8080"
  // Wall-clock time (ms) of the member's latest assignment: when two members claim a
  // partition (one has not heard of the rebalance yet, or died), the later claim wins.
  int64_t assigned_ms = 0;
  int64_t sent_ms = 0;                     // wall-clock time of publication: the member's heartbeat
  bool leaving = false;                    // the member is shutting down: forget it now
  std::vector<TopicPartition> partitions;  // owned partitions
  uint64_t customers = 0;                  // customers with orders in its committed state
  int64_t watermark_ms = 0;                // its largest committed event time
  bool operator==(const MemberRecord&) const = default;
};

// A line-oriented text form ("segd-member 1" first, then key=value lines, one `partition=`
// line per owned partition). Ids, URLs and topics must not contain newlines.
std::string EncodeMemberRecord(const MemberRecord& record);
[[nodiscard]] StatusOr<MemberRecord> DecodeMemberRecord(std::string_view text);

}  // namespace segd
