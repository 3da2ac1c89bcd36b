// The next offset segd expects the consumer to deliver for each assigned partition, to catch a
// position librdkafka moved backwards behind segd's back (an offset reset after the log was
// recreated or truncated), which would otherwise deliver messages segd takes for applied ones.
// Internal to the Kafka adapter; owned by the consumer thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "segd/common/status.h"
#include "segd/state/partition_progress.h"

namespace segd {

class FetchPositions {
 public:
  // Forgets every partition (on a partition move).
  void Clear();

  // `tp` was assigned at `offset`. A logical offset (negative: the beginning) sets no
  // expectation; the first delivery does.
  void Start(const TopicPartition& tp, int64_t offset);

  // A message of topic/partition at `offset` is about to be delivered: LogWentBackwards when it
  // is below the expected offset, else the expectation moves past it (offsets above it are
  // fine: transaction markers, compaction).
  [[nodiscard]] Status Deliver(const std::string& topic, int32_t partition, int64_t offset);

  // The consumer reached the partition's end at `end_offset`: LogWentBackwards when that is
  // below the expected offset (the log is shorter than what segd consumed).
  [[nodiscard]] Status ReachEnd(const std::string& topic, int32_t partition, int64_t end_offset);

 private:
  int64_t* Find(const std::string& topic, int32_t partition);

  std::map<TopicPartition, int64_t> next_;
  // The entry of the latest delivery: messages come in runs of one partition.
  const TopicPartition* last_tp_ = nullptr;
  int64_t* last_next_ = nullptr;
};

}  // namespace segd
