#include "segd/kafka/topic_reader.h"

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <map>

#include "kafka/kafka_config.h"

namespace segd {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

StatusOr<std::vector<ConsumedMessage>> ReadWholeTopic(const std::string& brokers,
                                                      const std::string& topic, int timeout_ms) {
  auto conf = NewKafkaConf({{"bootstrap.servers", brokers},
                            {"group.id", "segd-topic-reader"},
                            {"enable.auto.commit", "false"},
                            {"fetch.wait.max.ms", "10"},
                            {"allow.auto.create.topics", "false"}});
  if (!conf.ok()) return conf.status();
  std::string errstr;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf->get(), errstr));
  if (!consumer) return Internal("consumer: " + errstr);
  auto partitions = TopicPartitionCount(consumer.get(), topic, timeout_ms);
  if (!partitions.ok()) return partitions.status();
  std::vector<RdKafka::TopicPartition*> assignment;
  std::map<int32_t, int64_t> end;  // partitions still to read, by their end offset
  for (int32_t p = 0; p < *partitions; ++p) {
    int64_t low = 0, high = 0;
    RdKafka::ErrorCode e = consumer->query_watermark_offsets(topic, p, &low, &high, timeout_ms);
    if (e != RdKafka::ERR_NO_ERROR) return Unavailable("watermarks: " + RdKafka::err2str(e));
    if (high > low) end[p] = high;
    assignment.push_back(
        RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
  }
  consumer->assign(assignment);
  RdKafka::TopicPartition::destroy(assignment);
  std::map<int32_t, std::vector<ConsumedMessage>> by_partition;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!end.empty() && Clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
    if (m->err() == RdKafka::ERR__TIMED_OUT) continue;
    if (m->err() != RdKafka::ERR_NO_ERROR) return Unavailable("consume: " + m->errstr());
    ConsumedMessage& c = by_partition[m->partition()].emplace_back();
    c.message.topic = topic;
    c.message.partition = m->partition();
    c.message.offset = m->offset();
    c.message.has_key = m->key_pointer() != nullptr;
    if (c.message.has_key)
      c.message.key.assign(static_cast<const char*>(m->key_pointer()), m->key_len());
    c.message.value.assign(static_cast<const char*>(m->payload()), m->len());
    if (RdKafka::Headers* h = m->headers()) {
      for (const auto& header : h->get_all()) {
        c.headers.emplace_back(header.key(), std::string(static_cast<const char*>(header.value()),
                                                         header.value_size()));
      }
    }
    if (m->offset() + 1 >= end[m->partition()]) end.erase(m->partition());
  }
  consumer->close();
  if (!end.empty()) return Unavailable("timed out reading " + topic);
  std::vector<ConsumedMessage> out;
  for (auto& [p, msgs] : by_partition) {
    for (auto& m : msgs) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace segd
