// Where the commands that work through a running segd (backup, export) reach it. Pure function.
#pragma once

#include <string>

#include "segd/common/status.h"
#include "segd/config/segd_config.h"

namespace segd {

// The running segd's base URL from http.bind (a wildcard bind is reached on loopback);
// InvalidArgument when http.bind names no fixed port.
[[nodiscard]] StatusOr<std::string> DaemonUrl(const SegdConfig& config);

}  // namespace segd
