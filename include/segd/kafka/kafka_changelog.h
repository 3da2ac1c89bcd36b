// The changelog (segd/ingest/changelog.h) on a Kafka topic: an idempotent producer (acks=all,
// order kept per partition) and a plain assigned consumer (no group) for restores. Owned by one
// thread at a time.
#pragma once

#include <memory>
#include <string>

#include "segd/common/status.h"
#include "segd/config/segd_config.h"
#include "segd/ingest/changelog.h"

namespace segd {

struct ChangelogTopicOptions {
  std::string topic;                   // the changelog topic
  int32_t partitions = 0;              // what it must have: the source topic's partition count
  bool create = true;                  // create it (cleanup.policy=compact) when missing
  int32_t replication_factor = -1;     // for a topic it creates (-1: the broker's default)
  int32_t message_timeout_ms = 60000;  // an append not acknowledged by then fails
};

// Checks the topic (exists or is created; partition count; cleanup.policy=compact when the broker
// can describe it) and connects. Fails with a message naming the topic and what is wrong.
[[nodiscard]] StatusOr<std::unique_ptr<Changelog>> OpenKafkaChangelog(
    const KafkaConfig& kafka, const ChangelogTopicOptions& options);

// The partition count of `topic` (NotFound when it does not exist); creates nothing.
[[nodiscard]] StatusOr<int32_t> KafkaTopicPartitions(const KafkaConfig& kafka,
                                                     const std::string& topic, int timeout_ms);

}  // namespace segd
