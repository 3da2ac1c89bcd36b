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

}  // namespace segd
