#include "segd/kafka/kafka_control_log.h"

#include <librdkafka/rdkafkacpp.h>

#include "kafka/kafka_config.h"

namespace segd {
namespace {

class KafkaControlLog : public ControlLog {
 public:
  KafkaControlLog(std::string topic, std::unique_ptr<RdKafka::Producer> producer,
                  std::unique_ptr<RdKafka::KafkaConsumer> consumer)
      : topic_(std::move(topic)), producer_(std::move(producer)), consumer_(std::move(consumer)) {}

  ~KafkaControlLog() override {
    producer_->flush(2000);  // the leaving record
    consumer_->close();
  }

  Status Publish(const ControlMessage& message) override {
    RdKafka::ErrorCode e = producer_->produce(
        topic_, 0, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(message.value.data()),
        message.value.size(), message.key.data(), message.key.size(), 0, nullptr, nullptr);
    producer_->poll(0);
    if (e != RdKafka::ERR_NO_ERROR) {
      return Unavailable("publish to " + topic_ + ": " + RdKafka::err2str(e));
    }
    return Status::Ok();
  }

  Status Read(int timeout_ms, std::vector<ControlMessage>* out, bool* at_end) override {
    int wait = timeout_ms;
    for (int n = 0; n < 10000; ++n) {
      std::unique_ptr<RdKafka::Message> m(consumer_->consume(wait));
      wait = 0;
      if (m->err() == RdKafka::ERR__TIMED_OUT) break;
      if (m->err() == RdKafka::ERR__PARTITION_EOF) {
        at_end_ = true;
        break;
      }
      if (m->err() != RdKafka::ERR_NO_ERROR) {
        *at_end = at_end_;
        return Unavailable("reading " + topic_ + ": " + m->errstr());
      }
      ControlMessage& c = out->emplace_back();
      if (m->key() != nullptr) c.key = *m->key();
      c.value.assign(static_cast<const char*>(m->payload()), m->len());
    }
    *at_end = at_end_;
    return Status::Ok();
  }

  StatusOr<int32_t> PartitionCount(const std::string& topic, int timeout_ms) override {
    std::string errstr;
    std::unique_ptr<RdKafka::Topic> t(
        RdKafka::Topic::create(producer_.get(), topic, nullptr, errstr));
    if (!t) return InvalidArgument("topic " + topic + ": " + errstr);
    RdKafka::Metadata* raw = nullptr;
    RdKafka::ErrorCode e = producer_->metadata(false, t.get(), &raw, timeout_ms);
    std::unique_ptr<RdKafka::Metadata> md(raw);
    if (e != RdKafka::ERR_NO_ERROR) return Unavailable("metadata: " + RdKafka::err2str(e));
    for (const auto* tm : *md->topics()) {
      if (tm->topic() == topic && tm->err() == RdKafka::ERR_NO_ERROR) {
        return static_cast<int32_t>(tm->partitions()->size());
      }
    }
    return NotFound("topic " + topic + " does not exist");
  }

 private:
  std::string topic_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  bool at_end_ = false;
};

}  // namespace

StatusOr<std::unique_ptr<ControlLog>> NewKafkaControlLog(const KafkaConfig& c,
                                                         const std::string& topic) {
  std::vector<std::pair<std::string, std::string>> producer_props = {
      {"bootstrap.servers", c.brokers},
      {"client.id", c.client_id + "-cluster"},
      {"linger.ms", "0"}};
  producer_props.insert(producer_props.end(), c.properties.begin(), c.properties.end());
  auto producer_conf = NewKafkaConf(producer_props);
  if (!producer_conf.ok()) return producer_conf.status();
  std::string errstr;
  std::unique_ptr<RdKafka::Producer> producer(
      RdKafka::Producer::create(producer_conf->get(), errstr));
  if (!producer) return InvalidArgument("cluster producer: " + errstr);
  // A group id is required by the client but never joined: the partition is assigned.
  std::vector<std::pair<std::string, std::string>> consumer_props = {
      {"bootstrap.servers", c.brokers},
      {"client.id", c.client_id + "-cluster"},
      {"group.id", c.group_id + "-cluster-reader"},
      {"enable.auto.commit", "false"},
      {"enable.partition.eof", "true"},
      {"auto.offset.reset", "earliest"},
      {"fetch.wait.max.ms", std::to_string(c.fetch_wait_max_ms)}};
  consumer_props.insert(consumer_props.end(), c.properties.begin(), c.properties.end());
  auto consumer_conf = NewKafkaConf(consumer_props);
  if (!consumer_conf.ok()) return consumer_conf.status();
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(consumer_conf->get(), errstr));
  if (!consumer) return InvalidArgument("cluster consumer: " + errstr);
  std::vector<RdKafka::TopicPartition*> parts = {
      RdKafka::TopicPartition::create(topic, 0, RdKafka::Topic::OFFSET_BEGINNING)};
  RdKafka::ErrorCode e = consumer->assign(parts);
  RdKafka::TopicPartition::destroy(parts);
  if (e != RdKafka::ERR_NO_ERROR)
    return Unavailable("assign " + topic + ": " + RdKafka::err2str(e));
  return std::unique_ptr<ControlLog>(
      new KafkaControlLog(topic, std::move(producer), std::move(consumer)));
}

}  // namespace segd
