// A development Kafka cluster: librdkafka's in-process mock cluster (a real Kafka-protocol
// broker on 127.0.0.1 ephemeral ports). It lives and dies with this object, and keeps only about
// 5 MiB per partition (see shared/notes/dev-broker-facts.md). Thread-safe (librdkafka's lock).
#pragma once

#include <memory>
#include <string>

#include "segd/common/status.h"

namespace segd {

class DevBroker {
 public:
  // Starts `num_brokers` brokers.
  [[nodiscard]] static StatusOr<std::unique_ptr<DevBroker>> Start(int num_brokers);
  ~DevBroker();
  DevBroker(const DevBroker&) = delete;
  DevBroker& operator=(const DevBroker&) = delete;

  // Creates a topic (topics also auto-create with 4 partitions on first use).
  [[nodiscard]] Status CreateTopic(const std::string& name, int partitions);

  // "127.0.0.1:port,..." for bootstrap.servers.
  std::string bootstrap_servers() const;

 private:
  struct Impl;
  explicit DevBroker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace segd
