// The cluster's control topic over Kafka: member records are produced to partition 0 (keyed
// by member id, so a compacted topic keeps each member's latest) and read back from the
// beginning by a plain assigned consumer (no group). Owned by one thread (the ClusterNode's).
#pragma once

#include <memory>
#include <string>

#include "segd/cluster/control_log.h"
#include "segd/config/segd_config.h"

namespace segd {

// Uses config.brokers and config.properties (security settings) for both clients.
[[nodiscard]] StatusOr<std::unique_ptr<ControlLog>> NewKafkaControlLog(const KafkaConfig& config,
                                                                       const std::string& topic);

}  // namespace segd
