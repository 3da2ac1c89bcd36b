// One message as consumed from Kafka, before decoding. Value type; owned by the consumer thread.
#pragma once

#include <cstdint>
#include <string>

namespace segd {

struct RawMessage {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  bool has_key = false;  // Kafka distinguishes an absent key from an empty one
  std::string key;
  std::string value;
};

}  // namespace segd
