// A Kafka producer for raw messages (replay tool, dead-letter copies). Produce/Flush must be
// called from one thread at a time; counters are safe to read from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "segd/common/status.h"

namespace segd {

struct ProducerOptions {
  std::string brokers;  // bootstrap.servers
  std::string client_id = "segd";
  // Extra librdkafka properties, applied last (e.g. {"linger.ms","5"}).
  std::vector<std::pair<std::string, std::string>> properties;
};

using MessageHeaders = std::vector<std::pair<std::string, std::string>>;

class MessageProducer {
 public:
  virtual ~MessageProducer() = default;

  // Queues one message; `partition` -1 lets the partitioner choose from the key. Blocks (serving
  // delivery reports) while the local queue is full. Returns an error only for a message that
  // can never be sent (unknown topic, too large) or a fatal producer error.
  [[nodiscard]] virtual Status Produce(const std::string& topic, int32_t partition,
                                       std::string_view key, std::string_view value,
                                       const MessageHeaders& headers = {}) = 0;

  // Waits until every queued message is acknowledged or `timeout_ms` passes. Returns ok only if
  // every message produced since the previous Flush was delivered; otherwise names the first
  // failure. Either way the next Flush judges only messages produced after this one.
  [[nodiscard]] virtual Status Flush(int timeout_ms) = 0;

  virtual uint64_t delivered() const = 0;
  virtual uint64_t failed() const = 0;
};

// Creates a librdkafka-backed producer (acks=all, idempotence off: the mock cluster does not
// need it and duplicates are handled by event ids).
[[nodiscard]] StatusOr<std::unique_ptr<MessageProducer>> NewKafkaProducer(
    const ProducerOptions& options);

}  // namespace segd
