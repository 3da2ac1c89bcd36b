#include "segd/kafka/topic_log_ranges.h"

#include <librdkafka/rdkafkacpp.h>

#include <memory>

#include "kafka/kafka_config.h"

namespace segd {

StatusOr<std::vector<PartitionLogRange>> QueryTopicLogRanges(const KafkaConfig& config,
                                                             const std::string& topic,
                                                             int timeout_ms) {
  // A consumer handle that never subscribes: it joins no group and, unlike a producer's
  // metadata request, does not create the topic.
  std::vector<std::pair<std::string, std::string>> props = {
      {"bootstrap.servers", config.brokers},
      {"client.id", config.client_id + "-reset-offsets"},
      {"group.id", config.group_id},
      {"enable.auto.commit", "false"},
      {"allow.auto.create.topics", "false"}};
  props.insert(props.end(), config.properties.begin(), config.properties.end());
  auto conf = NewKafkaConf(props);
  if (!conf.ok()) return conf.status();
  std::string errstr;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf->get(), errstr));
  if (!consumer) return InvalidArgument("kafka consumer: " + errstr);
  auto partitions = TopicPartitionCount(consumer.get(), topic, timeout_ms);
  if (partitions.status().code() == StatusCode::kNotFound) {
    return NotFound("topic " + topic + " does not exist on " + config.brokers);
  }
  if (!partitions.ok()) {
    return Unavailable("metadata of " + topic + " from " + config.brokers + ": " +
                       partitions.status().message());
  }
  std::vector<PartitionLogRange> out;
  for (int32_t p = 0; p < *partitions; ++p) {
    PartitionLogRange& r = out.emplace_back();
    r.partition = p;
    const RdKafka::ErrorCode w =
        consumer->query_watermark_offsets(topic, p, &r.log.low, &r.log.high, timeout_ms);
    if (w != RdKafka::ERR_NO_ERROR) {
      return Unavailable("offsets of " + topic + "/" + std::to_string(p) + ": " +
                         RdKafka::err2str(w));
    }
  }
  consumer->close();
  return out;
}

}  // namespace segd
