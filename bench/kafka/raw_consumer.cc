#include "raw_consumer.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "common/command_output.h"

namespace segd::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};

void Set(rd_kafka_conf_t* conf, const char* key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    std::fprintf(stderr, "raw consumer: %s\n", err);
    std::abort();
  }
}

}  // namespace

ConsumeResult ConsumeRaw(const std::string& brokers, const std::string& topic, int partitions) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Set(conf, "bootstrap.servers", brokers);
  Set(conf, "group.id", "raw-bench");  // required by the consumer API; never joined (assign)
  Set(conf, "enable.auto.commit", "false");
  Set(conf, "enable.partition.eof", "true");
  Set(conf, "fetch.wait.max.ms", "10");
  char err[512];
  std::unique_ptr<rd_kafka_t, KafkaDeleter> rk(
      rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err)));
  if (!rk) {
    std::fprintf(stderr, "raw consumer: %s\n", err);
    std::abort();
  }
  rd_kafka_poll_set_consumer(rk.get());
  std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter> list(
      rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  if (rd_kafka_assign(rk.get(), list.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) std::abort();
  ConsumeResult r;
  Clock::time_point first;
  for (int at_end = 0; at_end < partitions;) {
    std::unique_ptr<rd_kafka_message_t, MessageDeleter> m(rd_kafka_consumer_poll(rk.get(), 100));
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ++at_end;
    } else if (m->err) {
      std::fprintf(stderr, "raw consumer: %s\n", rd_kafka_message_errstr(m.get()));
      std::abort();
    } else if (r.messages++ == 0) {
      first = Clock::now();
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - first).count();
  return r;
}

ConsumeResult ConsumeWithKcat(const std::string& brokers, const std::string& topic) {
  ConsumeResult r;
  const auto start = Clock::now();
  const CommandOutput out = RunCommand("kcat -C -b " + brokers + " -t " + topic +
                                       " -o beginning -e -q -X fetch.wait.max.ms=10 | wc -l");
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (out.exit_code == 0) r.messages = std::strtoull(out.out.c_str(), nullptr, 10);
  return r;
}

}  // namespace segd::bench
