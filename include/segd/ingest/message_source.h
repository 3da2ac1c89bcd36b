// Where raw messages come from (Kafka in production). Owned and called by the consumer thread.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "segd/common/status.h"
#include "segd/ingest/raw_message.h"
#include "segd/ingest/start_offset.h"
#include "segd/state/partition_progress.h"

namespace segd {

// Told about partition moves, on the consumer thread, from inside MessageSource::Poll.
inline constexpr int64_t kOffsetBeginning = -2;  // the oldest offset the broker still has

class PartitionListener {
 public:
  virtual ~PartitionListener() = default;
  // The offset to start each newly assigned partition from (out[i] for partitions[i]); an
  // explicit offset, or kOffsetBeginning. An error stops consumption (nothing is assigned).
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
  // Errors are fatal for consumption: a position the broker no longer has (events lost to
  // retention, or a log shorter than what was consumed), a delivery below the next offset
  // expected for its partition (the log went backwards: recreated or truncated), each naming
  // the partition and the offsets involved; or a listener error.
  [[nodiscard]] virtual Status Poll(int timeout_ms, size_t max_messages,
                                    std::vector<RawMessage>* out) = 0;

  // Records consumed positions with the broker, for lag monitoring only (never read back).
  virtual void CommitForMonitoring(
      const std::vector<std::pair<TopicPartition, int64_t>>& next_offsets) = 0;

  // Partitions currently assigned to this instance.
  virtual std::vector<TopicPartition> Assignment() const = 0;

  // Stops delivering messages of `partitions` (assigned ones) until Resume; what was fetched
  // for them and not delivered yet is dropped and fetched again after Resume, which continues
  // right after the last message Poll delivered.
  virtual void Pause(const std::vector<TopicPartition>& partitions) = 0;
  virtual void Resume(const std::vector<TopicPartition>& partitions) = 0;

  // Asks the broker for the offsets `tp`'s log holds, waiting up to `timeout_ms`. The only call
  // that blocks (bounded): for PartitionListener::OnAssigned, which checks start offsets with it.
  // Unavailable (or any error) when no answer came in time.
  [[nodiscard]] virtual StatusOr<LogRange> QueryLogRange(const TopicPartition& tp,
                                                         int timeout_ms) = 0;

  // None of the calls below blocks: the consumer thread must keep polling (and feeding the
  // watchdog) even when every broker is gone.

  // The end offset of an assigned partition when the consumer has read it to its end and
  // nothing newer arrived since (an end-of-partition event), else nullopt.
  virtual std::optional<int64_t> ReachedEnd(const TopicPartition& tp) const = 0;

  // The partition's end offset (high watermark) as last measured (every couple of seconds, in
  // the background), or nullopt when not measured yet. For lag monitoring.
  virtual std::optional<int64_t> MeasuredEndOffset(const TopicPartition& tp) const = 0;

  // Whether some broker answered within the last few seconds (a fetched message, or a
  // background measurement). Thread-safe.
  virtual bool BrokersReachable() const = 0;

  // Leaves the group (revoking partitions through the listener). Idempotent.
  [[nodiscard]] virtual Status Close() = 0;
};

}  // namespace segd
