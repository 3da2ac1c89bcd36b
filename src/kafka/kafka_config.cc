#include "kafka/kafka_config.h"

namespace segd {

StatusOr<std::unique_ptr<RdKafka::Conf>> NewKafkaConf(
    const std::vector<std::pair<std::string, std::string>>& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string errstr;
  for (const auto& [name, value] : properties) {
    if (conf->set(name, value, errstr) != RdKafka::Conf::CONF_OK) {
      return InvalidArgument("kafka property " + name + ": " + errstr);
    }
  }
  return conf;
}

StatusOr<int32_t> TopicPartitionCount(RdKafka::Handle* handle, const std::string& topic,
                                      int timeout_ms) {
  RdKafka::Metadata* raw = nullptr;
  RdKafka::ErrorCode e = handle->metadata(true, nullptr, &raw, timeout_ms);
  std::unique_ptr<RdKafka::Metadata> md(raw);
  if (e != RdKafka::ERR_NO_ERROR) return Unavailable("metadata: " + RdKafka::err2str(e));
  for (const auto* tm : *md->topics()) {
    if (tm->topic() != topic) continue;
    if (tm->err() == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART || tm->partitions()->empty()) break;
    if (tm->err() != RdKafka::ERR_NO_ERROR) {
      return Unavailable("topic " + topic + ": " + RdKafka::err2str(tm->err()));
    }
    return static_cast<int32_t>(tm->partitions()->size());
  }
  return NotFound("topic " + topic + " does not exist");
}

}  // namespace segd
