// The Kafka MessageSource: a librdkafka consumer in a consumer group, with offsets managed by
// segd (auto-commit off; start offsets come from the PartitionListener). Owned by the consumer
// thread.
#pragma once

#include <memory>

#include "segd/common/status.h"
#include "segd/config/segd_config.h"
#include "segd/ingest/message_source.h"

namespace segd {

// Subscribes to config.topics. `listener` must outlive the source.
[[nodiscard]] StatusOr<std::unique_ptr<MessageSource>> NewKafkaMessageSource(
    const KafkaConfig& config, PartitionListener* listener);

}  // namespace segd
