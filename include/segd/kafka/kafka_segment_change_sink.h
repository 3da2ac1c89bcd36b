// The segment-change topic: keyed by customer id (partitioned by the configured partitioner),
// produced idempotently so that retries neither reorder nor duplicate a customer's events. Used by
// one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "segd/ingest/segment_change_sink.h"
#include "segd/kafka/message_producer.h"

namespace segd {

struct SegmentChangeSinkOptions {
  std::string brokers;
  std::string topic;
  std::string client_id = "segd";
  int timeout_ms = 30000;  // per Send: how long to wait for every acknowledgement
  std::vector<std::pair<std::string, std::string>> properties;  // extra librdkafka properties
};

[[nodiscard]] StatusOr<std::unique_ptr<SegmentChangeSink>> NewKafkaSegmentChangeSink(
    const SegmentChangeSinkOptions& options);

}  // namespace segd
