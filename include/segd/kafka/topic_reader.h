// Reads a whole topic from the beginning to its current end, outside any consumer group (for
// tests, tools and dead-letter inspection). Blocking; safe to call from any thread.
#pragma once

#include <string>
#include <vector>

#include "segd/common/status.h"
#include "segd/ingest/raw_message.h"
#include "segd/kafka/message_producer.h"

namespace segd {

struct ConsumedMessage {
  RawMessage message;
  MessageHeaders headers;
};

// Returns every message of `topic` (all partitions, each in offset order, partitions in
// ascending order). Fails if the topic does not exist or the end is not reached in `timeout_ms`.
[[nodiscard]] StatusOr<std::vector<ConsumedMessage>> ReadWholeTopic(const std::string& brokers,
                                                                    const std::string& topic,
                                                                    int timeout_ms);

}  // namespace segd
