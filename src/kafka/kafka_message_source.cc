// Rebalances use the eager protocol: on revoke the listener commits everything consumed from the
// partitions before they are unassigned, and on assign each partition is seeked to the offset
// stored in RocksDB (design invariant 1), never to a Kafka-committed offset.
#include "segd/kafka/kafka_message_source.h"

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include "kafka/kafka_config.h"

namespace segd {
namespace {

using PartitionList = std::vector<RdKafka::TopicPartition*>;

std::vector<TopicPartition> ToSegd(const PartitionList& parts) {
  std::vector<TopicPartition> out;
  out.reserve(parts.size());
  for (const auto* p : parts) out.push_back({p->topic(), p->partition()});
  return out;
}

class Rebalancer : public RdKafka::RebalanceCb {
 public:
  explicit Rebalancer(PartitionListener* listener) : listener_(listener) {}

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    PartitionList& parts) override {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      Assign(consumer, parts);
    } else {
      Revoke(consumer, parts);
    }
  }

  // The first listener failure, if any (reported by the next Poll).
  Status TakeError() { return std::exchange(error_, Status::Ok()); }
  const std::vector<TopicPartition>& assignment() const { return assignment_; }

 private:
  void Assign(RdKafka::KafkaConsumer* consumer, PartitionList& parts) {
    std::vector<int64_t> offsets;
    Status s = listener_->OnAssigned(ToSegd(parts), &offsets);
    if (!s.ok()) {
      Fail(std::move(s));
      consumer->unassign();
      return;
    }
    for (size_t i = 0; i < parts.size(); ++i) parts[i]->set_offset(offsets[i]);
    RdKafka::ErrorCode e = consumer->assign(parts);
    if (e != RdKafka::ERR_NO_ERROR) Fail(Unavailable("assign: " + RdKafka::err2str(e)));
    assignment_ = ToSegd(parts);
    spdlog::info("partitions assigned count={}", parts.size());
  }

  void Revoke(RdKafka::KafkaConsumer* consumer, PartitionList& parts) {
    Status s = listener_->OnRevoked(ToSegd(parts));
    if (!s.ok()) Fail(std::move(s));
    consumer->unassign();
    assignment_.clear();
    spdlog::info("partitions revoked count={}", parts.size());
  }

  void Fail(Status s) {
    if (error_.ok()) error_ = std::move(s);
  }

  PartitionListener* listener_;
  Status error_;
  std::vector<TopicPartition> assignment_;
};

class KafkaMessageSource : public MessageSource {
 public:
  KafkaMessageSource(std::unique_ptr<Rebalancer> rebalancer,
                     std::unique_ptr<RdKafka::KafkaConsumer> consumer)
      : rebalancer_(std::move(rebalancer)), consumer_(std::move(consumer)) {}

  ~KafkaMessageSource() override { (void)Close(); }

  Status Poll(int timeout_ms, size_t max_messages, std::vector<RawMessage>* out) override;

  void CommitForMonitoring(
      const std::vector<std::pair<TopicPartition, int64_t>>& next_offsets) override {
    if (next_offsets.empty() || closed_) return;
    std::vector<RdKafka::TopicPartition*> parts;
    for (const auto& [tp, offset] : next_offsets) {
      parts.push_back(RdKafka::TopicPartition::create(tp.topic, tp.partition, offset));
    }
    consumer_->commitAsync(parts);  // failures only delay lag metrics
    RdKafka::TopicPartition::destroy(parts);
  }

  std::vector<TopicPartition> Assignment() const override { return rebalancer_->assignment(); }

  StatusOr<int64_t> EndOffset(const TopicPartition& tp, int timeout_ms) override {
    int64_t low = 0, high = 0;
    RdKafka::ErrorCode e =
        consumer_->query_watermark_offsets(tp.topic, tp.partition, &low, &high, timeout_ms);
    if (e != RdKafka::ERR_NO_ERROR) return Unavailable("watermarks: " + RdKafka::err2str(e));
    return high;
  }

  StatusOr<int64_t> CachedEndOffset(const TopicPartition& tp) override {
    int64_t low = -1, high = -1;
    RdKafka::ErrorCode e = consumer_->get_watermark_offsets(tp.topic, tp.partition, &low, &high);
    if (e == RdKafka::ERR_NO_ERROR && high >= 0) return high;
    // librdkafka 2.0.2 (Debian 12) left the cached value unset here, against the mock cluster
    // at least: ask the broker, briefly.
    return EndOffset(tp, 1000);
  }

  Status Close() override {
    if (closed_) return Status::Ok();
    closed_ = true;
    consumer_->close();  // runs the revoke callback
    return rebalancer_->TakeError();
  }

 private:
  Status HandleError(const RdKafka::Message& m);

  std::unique_ptr<Rebalancer> rebalancer_;  // outlives consumer_
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  bool closed_ = false;
};

Status KafkaMessageSource::HandleError(const RdKafka::Message& m) {
  switch (m.err()) {
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR__PARTITION_EOF:
      return Status::Ok();
    case RdKafka::ERR__AUTO_OFFSET_RESET:
    case RdKafka::ERR_OFFSET_OUT_OF_RANGE:
      // The broker no longer holds the offset segd must resume from: events were deleted before
      // segd applied them. Stopping is the only honest answer.
      return DataLoss("partition " + m.topic_name() + "/" + std::to_string(m.partition()) + ": " +
                      m.errstr());
    default:
      break;
  }
  std::string fatal;
  if (consumer_->fatal_error(fatal) != RdKafka::ERR_NO_ERROR) {
    return Unavailable("fatal consumer error: " + fatal);
  }
  spdlog::warn("kafka consumer error={} (retrying)", m.errstr());
  return Status::Ok();
}

Status KafkaMessageSource::Poll(int timeout_ms, size_t max_messages, std::vector<RawMessage>* out) {
  int wait = timeout_ms;
  for (size_t n = 0; n < max_messages; ++n) {
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(wait));
    SEGD_RETURN_IF_ERROR(rebalancer_->TakeError());
    if (m->err() != RdKafka::ERR_NO_ERROR) {
      SEGD_RETURN_IF_ERROR(HandleError(*m));
      break;
    }
    wait = 0;  // after the first message, take only what is already fetched
    RawMessage& r = out->emplace_back();
    r.topic = m->topic_name();
    r.partition = m->partition();
    r.offset = m->offset();
    r.has_key = m->key_pointer() != nullptr;
    if (r.has_key) r.key.assign(static_cast<const char*>(m->key_pointer()), m->key_len());
    r.value.assign(static_cast<const char*>(m->payload()), m->len());
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<MessageSource>> NewKafkaMessageSource(const KafkaConfig& c,
                                                               PartitionListener* listener) {
  auto rebalancer = std::make_unique<Rebalancer>(listener);
  std::vector<std::pair<std::string, std::string>> props = {
      {"bootstrap.servers", c.brokers},
      {"group.id", c.group_id},
      {"client.id", c.client_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "false"},
      {"auto.offset.reset", c.auto_offset_reset},
      {"session.timeout.ms", std::to_string(c.session_timeout_ms)},
      {"heartbeat.interval.ms", std::to_string(c.heartbeat_interval_ms)},
      {"fetch.wait.max.ms", std::to_string(c.fetch_wait_max_ms)},
      {"partition.assignment.strategy", "range,roundrobin"},
  };
  props.insert(props.end(), c.properties.begin(), c.properties.end());
  auto conf = NewKafkaConf(props);
  if (!conf.ok()) return conf.status();
  std::string errstr;
  if ((*conf)->set("rebalance_cb", rebalancer.get(), errstr) != RdKafka::Conf::CONF_OK) {
    return Internal("rebalance_cb: " + errstr);
  }
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf->get(), errstr));
  if (!consumer) return InvalidArgument("kafka consumer: " + errstr);
  RdKafka::ErrorCode e = consumer->subscribe(c.topics);
  if (e != RdKafka::ERR_NO_ERROR) return InvalidArgument("subscribe: " + RdKafka::err2str(e));
  return std::unique_ptr<MessageSource>(
      new KafkaMessageSource(std::move(rebalancer), std::move(consumer)));
}

}  // namespace segd
