#include "segd/kafka/kafka_dead_letter_sink.h"

namespace segd {
namespace {

class KafkaDeadLetterSink : public DeadLetterSink {
 public:
  KafkaDeadLetterSink(std::unique_ptr<MessageProducer> producer, std::string topic,
                      int flush_timeout_ms)
      : producer_(std::move(producer)), topic_(std::move(topic)), timeout_ms_(flush_timeout_ms) {}

  Status Send(const RawMessage& m, const Rejection& r) override {
    const MessageHeaders headers = {
        {"segd.error.reason", std::string(RejectReasonCode(r.reason))},
        {"segd.error.detail", r.detail},
        {"segd.source.topic", m.topic},
        {"segd.source.partition", std::to_string(m.partition)},
        {"segd.source.offset", std::to_string(m.offset)},
    };
    // Same key as the source (when it had one) so a customer's rejects stay together.
    return producer_->Produce(topic_.empty() ? m.topic + ".dlq" : topic_, -1,
                              m.has_key ? std::string_view(m.key) : std::string_view(), m.value,
                              headers);
  }

  Status Flush() override { return producer_->Flush(timeout_ms_); }

 private:
  std::unique_ptr<MessageProducer> producer_;
  std::string topic_;
  int timeout_ms_;
};

}  // namespace

std::unique_ptr<DeadLetterSink> NewKafkaDeadLetterSink(std::unique_ptr<MessageProducer> producer,
                                                       std::string topic, int flush_timeout_ms) {
  return std::make_unique<KafkaDeadLetterSink>(std::move(producer), std::move(topic),
                                               flush_timeout_ms);
}

}  // namespace segd
