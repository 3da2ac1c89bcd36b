#include "segd/ingest/start_offset.h"

#include <string>

namespace segd {
namespace {

std::string Name(const TopicPartition& tp) { return tp.topic + "/" + std::to_string(tp.partition); }

// What an operator does about a log that no longer matches segd's state (README, runbook).
std::string ResetHint(const TopicPartition& tp) {
  return "if the new log is to be accepted, stop segd and run `segd reset-offsets --topic " +
         tp.topic + " --to earliest` (README: Offsets that go backwards)";
}

}  // namespace

StatusOr<StartOffset> ChooseStartOffset(const TopicPartition& tp,
                                        const std::optional<PartitionProgress>& local, LogRange log,
                                        const StartOffsetPolicy& policy) {
  if (local) {
    if (local->next_offset < log.low || local->next_offset > log.high) {
      return PositionOutsideLog(tp, local->next_offset, log);
    }
    return StartOffset{.offset = local->next_offset};
  }
  if (log.low <= 0) return StartOffset{.offset = 0};
  if (!policy.accept_history_gap) {
    return DataLoss("history cut by retention: partition " + Name(tp) + " starts at offset " +
                    std::to_string(log.low) + ", segd has no state before it (offsets 0.." +
                    std::to_string(log.low - 1) +
                    " were deleted); restore the state, or set kafka.accept_history_gap: true to "
                    "start without those events");
  }
  return StartOffset{.offset = log.low, .history_gap = log.low};
}

Status PositionOutsideLog(const TopicPartition& tp, int64_t position, LogRange log) {
  const std::string range =
      "the broker's log holds offsets " + std::to_string(log.low) + ".." + std::to_string(log.high);
  if (position > log.high) {
    return FailedPrecondition(
        "partition " + Name(tp) + ": segd's next offset is " + std::to_string(position) +
        ", beyond the end offset " + std::to_string(log.high) +
        " of the broker's log (topic recreated or partition truncated?); nothing of the new log "
        "was applied; " +
        ResetHint(tp));
  }
  if (position < log.low) {
    return DataLoss("partition " + Name(tp) + ": segd's next offset is " +
                    std::to_string(position) + " but " + range +
                    ": events were deleted by retention before segd applied them; to go on "
                    "without them, stop segd and run `segd reset-offsets --topic " +
                    tp.topic + " --to earliest`");
  }
  return Internal("partition " + Name(tp) + ": offset " + std::to_string(position) +
                  " is inside the log (" + range + ")");
}

Status LogWentBackwards(const TopicPartition& tp, int64_t delivered, int64_t expected) {
  return FailedPrecondition("partition " + Name(tp) + ": the broker delivered offset " +
                            std::to_string(delivered) + ", below segd's next offset " +
                            std::to_string(expected) +
                            " (the log went backwards: topic recreated or partition truncated); "
                            "nothing of it was applied; " +
                            ResetHint(tp));
}

}  // namespace segd
