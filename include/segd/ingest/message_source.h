// Where raw messages come from (Kafka in production). Owned and called by the consumer thread.
#pragma once

#include <cstdint>
#include <vector>

#include "segd/common/status.h"
#include "segd/ingest/raw_message.h"
#include "segd/state/partition_progress.h"

namespace segd {

// Told about partition moves, on the consumer thread, from inside MessageSource::Poll.
inline constexpr int64_t kOffsetBeginning = -2;  // the oldest offset the broker still has

class PartitionListener {
 public:
  virtual ~PartitionListener() = default;
  // The offset to start each newly assigned partition from (out[i] for partitions[i]);
  // kOffsetBeginning for a partition never consumed before.
  [[nodiscard]] virtual Status OnAssigned(const std::vector<TopicPartition>& partitions,
                                          std::vector<int64_t>* start_offsets) = 0;
  // Partitions are about to be taken away: everything consumed from them must be committed
  // before this returns. An error stops consumption.
  [[nodiscard]] virtual Status OnRevoked(const std::vector<TopicPartition>& partitions) = 0;
};

class MessageSource {
 public:
  virtual ~MessageSource() = default;

  // Appends up to `max_messages` messages to *out, waiting up to `timeout_ms` for the first.
  // Errors are fatal for consumption (e.g. offsets out of range: data was lost to retention).
  [[nodiscard]] virtual Status Poll(int timeout_ms, size_t max_messages,
                                    std::vector<RawMessage>* out) = 0;

  // Records consumed positions with the broker, for lag monitoring only (never read back).
  virtual void CommitForMonitoring(
      const std::vector<std::pair<TopicPartition, int64_t>>& next_offsets) = 0;

  // Partitions currently assigned to this instance.
  virtual std::vector<TopicPartition> Assignment() const = 0;

  // The broker's end offset (high watermark) of a partition.
  [[nodiscard]] virtual StatusOr<int64_t> EndOffset(const TopicPartition& tp, int timeout_ms) = 0;
  // The end offset last reported by a fetch, or (when the client has none cached) the broker's
  // answer within about a second.
  [[nodiscard]] virtual StatusOr<int64_t> CachedEndOffset(const TopicPartition& tp) = 0;

  // Leaves the group (revoking partitions through the listener). Idempotent.
  [[nodiscard]] virtual Status Close() = 0;
};

}  // namespace segd
