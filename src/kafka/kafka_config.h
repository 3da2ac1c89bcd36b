// Builds librdkafka configuration objects. Internal to the Kafka adapter; thread-safe.
#pragma once

#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "segd/common/status.h"

namespace segd {

// Applies `properties` in order; the first property librdkafka rejects is named in the error.
StatusOr<std::unique_ptr<RdKafka::Conf>> NewKafkaConf(
    const std::vector<std::pair<std::string, std::string>>& properties);

// The partition count of `topic` (NotFound when it does not exist), from a metadata request for
// every topic: a request naming the topic would create it on brokers that ignore
// allow.auto.create.topics (older protocol versions, the dev broker), with their default count.
StatusOr<int32_t> TopicPartitionCount(RdKafka::Handle* handle, const std::string& topic,
                                      int timeout_ms);

}  // namespace segd
