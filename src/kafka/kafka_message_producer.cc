// librdkafka-backed MessageProducer. Delivery reports are counted in a callback that runs inside
// poll()/flush() on the producing thread, so the counters only need atomics for readers.
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "kafka/kafka_config.h"
#include "segd/kafka/message_producer.h"

namespace segd {
namespace {

class DeliveryCounter : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    if (message.err() == RdKafka::ERR_NO_ERROR) {
      delivered_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    failed_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu_);
    if (first_error_.empty()) first_error_ = message.errstr();
  }
  uint64_t delivered() const { return delivered_.load(std::memory_order_relaxed); }
  uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }
  // The first error since the previous call.
  std::string TakeFirstError() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(first_error_, std::string());
  }

 private:
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
  mutable std::mutex mu_;
  std::string first_error_;
};

class KafkaMessageProducer : public MessageProducer {
 public:
  KafkaMessageProducer(std::unique_ptr<DeliveryCounter> counter,
                       std::unique_ptr<RdKafka::Producer> producer)
      : counter_(std::move(counter)), producer_(std::move(producer)) {}

  ~KafkaMessageProducer() override {
    // Best effort: the owner should Flush() and check the result before destruction.
    producer_->flush(5000);
  }

  Status Produce(const std::string& topic, int32_t partition, std::string_view key,
                 std::string_view value, const MessageHeaders& headers) override {
    for (;;) {
      RdKafka::Headers* hdrs = nullptr;
      if (!headers.empty()) {
        hdrs = RdKafka::Headers::create();
        for (const auto& [name, v] : headers) hdrs->add(name, v.data(), v.size());
      }
      RdKafka::ErrorCode err = producer_->produce(topic, partition, RdKafka::Producer::RK_MSG_COPY,
                                                  const_cast<char*>(value.data()), value.size(),
                                                  key.data(), key.size(), 0, hdrs, nullptr);
      if (err == RdKafka::ERR_NO_ERROR) {  // ownership of hdrs passed to librdkafka
        producer_->poll(0);
        return Status::Ok();
      }
      delete hdrs;  // on failure the headers stay ours
      if (err == RdKafka::ERR__QUEUE_FULL) {
        producer_->poll(10);
        continue;
      }
      return Unavailable("produce to " + topic + ": " + RdKafka::err2str(err));
    }
  }

  Status Flush(int timeout_ms) override {
    RdKafka::ErrorCode err = producer_->flush(timeout_ms);
    const uint64_t failed_now = counter_->failed();
    const uint64_t new_failures = failed_now - failed_at_last_flush_;
    failed_at_last_flush_ = failed_now;
    if (new_failures > 0) {
      return Unavailable(std::to_string(new_failures) +
                         " message(s) not delivered, first: " + counter_->TakeFirstError());
    }
    if (err != RdKafka::ERR_NO_ERROR) {
      return Unavailable("flush: " + RdKafka::err2str(err) + ", " +
                         std::to_string(producer_->outq_len()) + " message(s) still queued");
    }
    return Status::Ok();
  }

  uint64_t delivered() const override { return counter_->delivered(); }
  uint64_t failed() const override { return counter_->failed(); }

 private:
  std::unique_ptr<DeliveryCounter> counter_;  // outlives producer_ (declared first)
  std::unique_ptr<RdKafka::Producer> producer_;
  uint64_t failed_at_last_flush_ = 0;
};

}  // namespace

StatusOr<std::unique_ptr<MessageProducer>> NewKafkaProducer(const ProducerOptions& options) {
  auto counter = std::make_unique<DeliveryCounter>();
  std::vector<std::pair<std::string, std::string>> props = {
      {"bootstrap.servers", options.brokers},
      {"client.id", options.client_id},
      {"acks", "all"},
      {"linger.ms", "5"},
      {"batch.num.messages", "10000"},
      {"queue.buffering.max.messages", "1000000"},
      {"message.timeout.ms", "300000"},
  };
  props.insert(props.end(), options.properties.begin(), options.properties.end());
  auto conf = NewKafkaConf(props);
  if (!conf.ok()) return conf.status();
  std::string errstr;
  if ((*conf)->set("dr_cb", counter.get(), errstr) != RdKafka::Conf::CONF_OK) {
    return Internal("dr_cb: " + errstr);
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf->get(), errstr));
  if (!producer) return InvalidArgument("kafka producer: " + errstr);
  return std::unique_ptr<MessageProducer>(
      new KafkaMessageProducer(std::move(counter), std::move(producer)));
}

}  // namespace segd
