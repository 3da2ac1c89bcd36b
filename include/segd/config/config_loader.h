// Turns YAML into SegdConfig. Pure functions; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "segd/common/status.h"
#include "segd/config/segd_config.h"

namespace segd {

// Parses YAML text over the defaults. Unknown keys, wrong types and out-of-range values fail
// with the key's dotted path, e.g. "kafka.session_timeout_ms: expected an integer, got 'abc'".
[[nodiscard]] StatusOr<SegdConfig> ParseConfig(const std::string& yaml_text);

// Reads and parses a file; errors name the file.
[[nodiscard]] StatusOr<SegdConfig> LoadConfigFile(const std::string& path);

// Applies environment overrides: SEGD_KAFKA_BROKERS, SEGD_STORAGE_PATH, SEGD_HTTP_BIND,
// SEGD_KAFKA_SASL_USERNAME / SEGD_KAFKA_SASL_PASSWORD (sasl.username / sasl.password),
// SEGD_ADMIN_TOKEN (http.admin_token); then reads http.admin_token_file if set.
// `getenv` is injectable for tests.
[[nodiscard]] Status ApplyEnvOverrides(
    SegdConfig* config, const std::function<std::optional<std::string>(const char*)>& getenv);

}  // namespace segd
