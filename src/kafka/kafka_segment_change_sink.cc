#include "segd/kafka/kafka_segment_change_sink.h"

namespace segd {
namespace {

class KafkaSegmentChangeSink : public SegmentChangeSink {
 public:
  KafkaSegmentChangeSink(std::unique_ptr<MessageProducer> producer, std::string topic,
                         int timeout_ms)
      : producer_(std::move(producer)), topic_(std::move(topic)), timeout_ms_(timeout_ms) {}

  Status Send(std::span<const Announcement> announcements) override {
    for (const Announcement& a : announcements) {
      Status s = producer_->Produce(topic_, -1, a.key, a.value, kHeaders());
      if (!s.ok()) return Unavailable("segment changes: " + s.message());
    }
    return Status::Ok();
  }

  Status Flush() override {
    Status flushed = producer_->Flush(timeout_ms_);
    if (!flushed.ok()) return Unavailable("segment changes: " + flushed.message());
    return Status::Ok();
  }

 private:
  static const MessageHeaders& kHeaders() {
    static const MessageHeaders headers = {{"content-type", "application/cloudevents+json"}};
    return headers;
  }

  std::unique_ptr<MessageProducer> producer_;
  std::string topic_;
  int timeout_ms_;
};

}  // namespace

StatusOr<std::unique_ptr<SegmentChangeSink>> NewKafkaSegmentChangeSink(
    const SegmentChangeSinkOptions& options) {
  ProducerOptions p{.brokers = options.brokers, .client_id = options.client_id};
  // Idempotent: a retried batch is neither reordered nor duplicated within a partition, so
  // each customer's events stay in order.
  p.properties = {{"enable.idempotence", "true"}, {"linger.ms", "5"}};
  p.properties.insert(p.properties.end(), options.properties.begin(), options.properties.end());
  auto producer = NewKafkaProducer(p);
  if (!producer.ok()) return producer.status();
  return std::unique_ptr<SegmentChangeSink>(
      new KafkaSegmentChangeSink(std::move(*producer), options.topic, options.timeout_ms));
}

}  // namespace segd
