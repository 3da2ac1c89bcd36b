// The partitions of a topic and the offsets each one's log holds, asked of the brokers outside
// any consumer group (for `segd reset-offsets`). Blocking; safe to call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "segd/common/status.h"
#include "segd/config/segd_config.h"
#include "segd/ingest/start_offset.h"

namespace segd {

struct PartitionLogRange {
  int32_t partition = 0;
  LogRange log;
};

// Every partition of `topic` in ascending order, with its log range, from config's brokers
// (config.brokers and config.properties: the same security settings as the daemon). NotFound
// when the topic does not exist (never created by asking); Unavailable when a broker does not
// answer within `timeout_ms` (per request).
[[nodiscard]] StatusOr<std::vector<PartitionLogRange>> QueryTopicLogRanges(
    const KafkaConfig& config, const std::string& topic, int timeout_ms);

}  // namespace segd
