// Where a newly assigned partition starts: decided from segd's own progress for it and the
// offsets the broker's log holds, so that a log that went backwards (topic recreated, partition
// truncated) or lost events to retention stops segd instead of being skipped silently. Pure
// functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "segd/common/status.h"
#include "segd/state/partition_progress.h"

namespace segd {

struct StartOffsetPolicy {
  // kafka.accept_history_gap: a partition segd holds no state for may start at the broker's
  // oldest retained offset when that is not the partition's first (older events were deleted
  // by retention: their customers miss them). Stored progress is never moved by it.
  bool accept_history_gap = false;
};

// The offsets a partition's log holds on the broker: low (the oldest retained one) up to high
// (the end offset, the next to be written), high excluded.
struct LogRange {
  int64_t low = 0;
  int64_t high = 0;
};

struct StartOffset {
  int64_t offset = 0;
  // Offsets before `offset` that segd never applied and starts without, as the policy allows
  // (0 unless a history gap was accepted).
  int64_t history_gap = 0;
};

// The offset to start consuming `tp` from. `local` is the progress segd holds for it (from its
// store, or restored from elsewhere), nullopt when it holds none.
//  - local inside [low, high]: local->next_offset.
//  - local->next_offset > high: FailedPrecondition (the log went backwards: the topic was
//    recreated or the partition truncated), naming the partition, both offsets and the
//    `segd reset-offsets` command that accepts the new log.
//  - local->next_offset < low: DataLoss (events were deleted before segd applied them), naming
//    the partition and both offsets.
//  - no local progress: low when low is 0; otherwise DataLoss ("history cut by retention")
//    unless policy.accept_history_gap, then low with history_gap = low.
[[nodiscard]] StatusOr<StartOffset> ChooseStartOffset(const TopicPartition& tp,
                                                      const std::optional<PartitionProgress>& local,
                                                      LogRange log,
                                                      const StartOffsetPolicy& policy);

// The error for a consumer position that is not in the broker's log: the FailedPrecondition or
// DataLoss of ChooseStartOffset for `position` (a position inside the log is a bug: Internal).
[[nodiscard]] Status PositionOutsideLog(const TopicPartition& tp, int64_t position, LogRange log);

// The error for a message (or an end of partition) delivered at `delivered`, below `expected`,
// the next offset segd asked for: the consumer was moved backwards behind segd's back (an offset
// reset after the log was recreated or truncated). FailedPrecondition naming the partition and
// both offsets.
[[nodiscard]] Status LogWentBackwards(const TopicPartition& tp, int64_t delivered,
                                      int64_t expected);

}  // namespace segd
