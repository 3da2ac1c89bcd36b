// Per-partition consumption progress, committed atomically with the state it produced.
// Value types; not synchronised.
#pragma once

#include <cstdint>
#include <string>

namespace segd {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

// Counters are per partition so that a replay, a restart or a move of the partition to another
// instance reproduces them exactly.
struct PartitionProgress {
  int64_t next_offset = 0;   // the first offset not yet applied
  int64_t watermark_ms = 0;  // largest accepted event time in this partition (0: none)
  uint64_t applied = 0;      // events that changed state
  uint64_t duplicates = 0;   // accepted events that changed nothing (seen id, repeated order...)
  uint64_t rejected = 0;     // events sent to the dead-letter topic
  bool operator==(const PartitionProgress&) const = default;
};

}  // namespace segd
