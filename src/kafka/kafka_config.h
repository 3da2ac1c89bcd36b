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

}  // namespace segd
