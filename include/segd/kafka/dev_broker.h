// A development Kafka cluster: librdkafka's in-process mock cluster (a real Kafka-protocol
// broker on 127.0.0.1 ephemeral ports). It lives and dies with this object, and keeps only about
// 5 MiB per partition (see shared/notes/dev-broker-facts.md). Thread-safe (librdkafka's lock).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "segd/common/status.h"

namespace segd {

// Kafka protocol request types that fault injection can target.
enum class KafkaApi : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kSyncGroup = 14,
};

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

  // Fault injection, for the broker-fault campaigns. Broker ids are 1..num_brokers; -1 means
  // every broker. Errors are librdkafka's rd_kafka_resp_err_t codes.
  //
  // A down broker drops its connections and refuses new ones (leadership stays where it is).
  [[nodiscard]] Status SetBrokerDown(int32_t broker_id);
  [[nodiscard]] Status SetBrokerUp(int32_t broker_id);
  // Adds `rtt_ms` to every response of the broker (0: none).
  [[nodiscard]] Status SetBrokerRtt(int32_t broker_id, int rtt_ms);
  // The next errors.size() requests of `api` (to any broker) fail with errors[0], errors[1], ...
  void PushRequestErrors(KafkaApi api, const std::vector<int>& errors);
  [[nodiscard]] Status SetPartitionLeader(const std::string& topic, int32_t partition,
                                          int32_t broker_id);
  [[nodiscard]] Status SetGroupCoordinator(const std::string& group, int32_t broker_id);

 private:
  struct Impl;
  explicit DevBroker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace segd
