// Appends wait for every delivery report (offsets included) before returning: the pipeline
// commits its store only after the changelog holds the batch. The producer is idempotent and
// gapless, so retries neither reorder nor duplicate a partition's entries, and a failed append
// leaves a prefix of its entries: the marker that ends a batch is only stored after all of the
// batch's records.
#include "segd/kafka/kafka_changelog.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "kafka/kafka_config.h"

namespace segd {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kMarkerHeader = "segd.marker";
constexpr const char* kAnnouncementsHeader = "segd.announcements";

// Delivery reports of the current append: offsets per partition, the first error.
class AppendReports : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& m) override {
    --outstanding;
    if (m.err() != RdKafka::ERR_NO_ERROR) {
      if (error.empty()) {
        error = "partition " + std::to_string(m.partition()) + ": " + m.errstr();
      }
      return;
    }
    int64_t& end = ends[m.partition()];
    end = std::max(end, m.offset() + 1);
  }
  int64_t outstanding = 0;
  std::map<int32_t, int64_t> ends;
  std::string error;
};

using AdminEvent = std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)>;
using AdminQueue = std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)>;
using AdminOptions =
    std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)>;

// Runs one admin request and waits for its result event.
template <typename Start>
StatusOr<AdminEvent> RunAdmin(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms, Start start) {
  AdminQueue queue(rd_kafka_queue_new(rk), &rd_kafka_queue_destroy);
  AdminOptions options(rd_kafka_AdminOptions_new(rk, op), &rd_kafka_AdminOptions_destroy);
  char errstr[256] = "";
  rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, errstr, sizeof(errstr));
  start(options.get(), queue.get());
  AdminEvent event(rd_kafka_queue_poll(queue.get(), timeout_ms + 2000), &rd_kafka_event_destroy);
  if (!event) return Unavailable("no answer in " + std::to_string(timeout_ms) + " ms");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(rd_kafka_event_error_string(event.get()));
  }
  return event;
}

Status CreateCompactedTopic(rd_kafka_t* rk, const ChangelogTopicOptions& o) {
  char errstr[256] = "";
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(o.topic.c_str(), o.partitions,
                                                     o.replication_factor, errstr, sizeof(errstr));
  if (topic == nullptr) return InvalidArgument(errstr);
  std::unique_ptr<rd_kafka_NewTopic_t, decltype(&rd_kafka_NewTopic_destroy)> owned(
      topic, &rd_kafka_NewTopic_destroy);
  rd_kafka_NewTopic_set_config(topic, "cleanup.policy", "compact");
  auto event = RunAdmin(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, 10000,
                        [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                          rd_kafka_CreateTopics(rk, &topic, 1, options, queue);
                        });
  if (!event.ok()) return event.status();
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event->get()), &n);
  if (n == 1 && rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_NO_ERROR &&
      rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    const char* why = rd_kafka_topic_result_error_string(results[0]);
    return Unavailable(why ? why : rd_kafka_err2str(rd_kafka_topic_result_error(results[0])));
  }
  return Status::Ok();
}

// The topic's cleanup.policy, or nullopt when the broker cannot describe configurations.
StatusOr<std::optional<std::string>> CleanupPolicy(rd_kafka_t* rk, const std::string& name) {
  rd_kafka_ConfigResource_t* resource =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
  std::unique_ptr<rd_kafka_ConfigResource_t, decltype(&rd_kafka_ConfigResource_destroy)> owned(
      resource, &rd_kafka_ConfigResource_destroy);
  auto event = RunAdmin(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, 3000,
                        [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
                          rd_kafka_DescribeConfigs(rk, &resource, 1, options, queue);
                        });
  if (!event.ok()) {
    spdlog::warn("changelog topic {}: cannot check its cleanup.policy ({})", name,
                 event.status().message());
    return std::optional<std::string>();
  }
  size_t n = 0;
  const rd_kafka_ConfigResource_t** results = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event->get()), &n);
  if (n != 1 || rd_kafka_ConfigResource_error(results[0]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn(
        "changelog topic {}: cannot check its cleanup.policy ({})", name,
        n == 1 ? rd_kafka_err2str(rd_kafka_ConfigResource_error(results[0])) : "no answer");
    return std::optional<std::string>();
  }
  size_t count = 0;
  const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(results[0], &count);
  for (size_t i = 0; i < count; ++i) {
    if (std::string_view(rd_kafka_ConfigEntry_name(entries[i])) == "cleanup.policy") {
      const char* value = rd_kafka_ConfigEntry_value(entries[i]);
      return std::optional<std::string>(value ? value : "");
    }
  }
  return std::optional<std::string>();
}

StatusOr<std::unique_ptr<RdKafka::KafkaConsumer>> NewReader(const KafkaConfig& kafka,
                                                            const std::string& suffix) {
  std::vector<std::pair<std::string, std::string>> props = {
      {"bootstrap.servers", kafka.brokers},
      {"client.id", kafka.client_id + suffix},
      {"group.id", kafka.group_id + suffix},  // never joined: partitions are assigned
      {"enable.auto.commit", "false"},
      {"enable.partition.eof", "false"},
      {"fetch.wait.max.ms", std::to_string(kafka.fetch_wait_max_ms)},
      {"allow.auto.create.topics", "false"},
      {"auto.offset.reset", "error"},
  };
  props.insert(props.end(), kafka.properties.begin(), kafka.properties.end());
  auto conf = NewKafkaConf(props);
  if (!conf.ok()) return conf.status();
  std::string errstr;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf->get(), errstr));
  if (!consumer) return InvalidArgument("kafka consumer: " + errstr);
  return consumer;
}

class KafkaChangelog : public Changelog {
 public:
  KafkaChangelog(std::string topic, std::unique_ptr<AppendReports> reports,
                 std::unique_ptr<RdKafka::Producer> producer,
                 std::unique_ptr<RdKafka::KafkaConsumer> reader, int timeout_ms)
      : topic_(std::move(topic)),
        reports_(std::move(reports)),
        producer_(std::move(producer)),
        reader_(std::move(reader)),
        timeout_ms_(timeout_ms) {}

  ~KafkaChangelog() override {
    producer_->flush(2000);
    reader_->close();
  }

  StatusOr<std::map<int32_t, int64_t>> Append(std::span<const ChangelogEntry> entries) override {
    reports_->ends.clear();
    reports_->error.clear();
    for (const ChangelogEntry& e : entries) SEGD_RETURN_IF_ERROR(Produce(e));
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms_ + 5000);
    while (reports_->outstanding > 0 && Clock::now() < deadline) producer_->poll(100);
    if (reports_->outstanding > 0) {
      return Unavailable(std::to_string(reports_->outstanding) + " entries of " + topic_ +
                         " not acknowledged");
    }
    if (!reports_->error.empty()) return Unavailable(topic_ + " " + reports_->error);
    return reports_->ends;
  }

  StatusOr<ChangelogRange> Range(int32_t partition) override {
    ChangelogRange r;
    RdKafka::ErrorCode e =
        reader_->query_watermark_offsets(topic_, partition, &r.low, &r.high, timeout_ms_);
    if (e != RdKafka::ERR_NO_ERROR) {
      return Unavailable("offsets of " + topic_ + "/" + std::to_string(partition) + ": " +
                         RdKafka::err2str(e));
    }
    return r;
  }

  Status Read(int32_t partition, int64_t from, int64_t to,
              const std::function<Status(int64_t, ChangelogEntry&&)>& fn) override {
    if (from >= to) return Status::Ok();
    std::vector<RdKafka::TopicPartition*> parts = {
        RdKafka::TopicPartition::create(topic_, partition, from)};
    RdKafka::ErrorCode e = reader_->assign(parts);
    RdKafka::TopicPartition::destroy(parts);
    if (e != RdKafka::ERR_NO_ERROR) return Unavailable("assign: " + RdKafka::err2str(e));
    Status result = ReadAssigned(partition, to, fn);
    reader_->unassign();
    return result;
  }

 private:
  Status Produce(const ChangelogEntry& e) {
    for (;;) {
      RdKafka::Headers* headers = nullptr;
      if (e.marker || e.announcements) {
        headers = RdKafka::Headers::create();
        headers->add(e.marker ? kMarkerHeader : kAnnouncementsHeader, "1");
      }
      RdKafka::ErrorCode err = producer_->produce(
          topic_, e.partition, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(e.value.data()),
          e.value.size(), e.key.data(), e.key.size(), 0, headers, nullptr);
      if (err == RdKafka::ERR_NO_ERROR) {
        ++reports_->outstanding;
        return Status::Ok();
      }
      delete headers;  // still ours on failure
      if (err != RdKafka::ERR__QUEUE_FULL) {
        return Unavailable("produce to " + topic_ + ": " + RdKafka::err2str(err));
      }
      producer_->poll(10);
    }
  }

  Status ReadAssigned(int32_t partition, int64_t to,
                      const std::function<Status(int64_t, ChangelogEntry&&)>& fn) {
    auto last_progress = Clock::now();
    for (;;) {
      std::unique_ptr<RdKafka::Message> m(reader_->consume(200));
      if (m->err() == RdKafka::ERR__TIMED_OUT) {
        if (Clock::now() - last_progress > std::chrono::milliseconds(timeout_ms_)) {
          return Unavailable("reading " + topic_ + "/" + std::to_string(partition) +
                             ": nothing for " + std::to_string(timeout_ms_) + " ms");
        }
        continue;
      }
      if (m->err() != RdKafka::ERR_NO_ERROR) {
        return Unavailable("reading " + topic_ + "/" + std::to_string(partition) + ": " +
                           m->errstr());
      }
      last_progress = Clock::now();
      if (m->offset() >= to) return Status::Ok();
      ChangelogEntry entry;
      entry.partition = partition;
      if (m->key_pointer() != nullptr) {
        entry.key.assign(static_cast<const char*>(m->key_pointer()), m->key_len());
      }
      entry.value.assign(static_cast<const char*>(m->payload()), m->len());
      if (RdKafka::Headers* h = m->headers()) {
        entry.marker = h->get_last(kMarkerHeader).value() != nullptr;
        entry.announcements = h->get_last(kAnnouncementsHeader).value() != nullptr;
      }
      const int64_t offset = m->offset();
      SEGD_RETURN_IF_ERROR(fn(offset, std::move(entry)));
      if (offset + 1 >= to) return Status::Ok();
    }
  }

  std::string topic_;
  std::unique_ptr<AppendReports> reports_;  // outlives producer_
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<RdKafka::KafkaConsumer> reader_;
  int timeout_ms_;
};

}  // namespace

StatusOr<int32_t> KafkaTopicPartitions(const KafkaConfig& kafka, const std::string& topic,
                                       int timeout_ms) {
  auto reader = NewReader(kafka, "-metadata");
  if (!reader.ok()) return reader.status();
  auto n = TopicPartitionCount(reader->get(), topic, timeout_ms);
  (*reader)->close();
  return n;
}

StatusOr<std::unique_ptr<Changelog>> OpenKafkaChangelog(const KafkaConfig& kafka,
                                                        const ChangelogTopicOptions& o) {
  auto reader = NewReader(kafka, "-changelog");
  if (!reader.ok()) return reader.status();
  auto reports = std::make_unique<AppendReports>();
  std::vector<std::pair<std::string, std::string>> props = {
      {"bootstrap.servers", kafka.brokers},
      {"client.id", kafka.client_id + "-changelog"},
      {"enable.idempotence", "true"},  // acks=all, no reordering or duplicates on retries
      // A failure that could leave a gap in a partition's entries stops the producer instead:
      // what an append leaves behind is then always a prefix of its entries per partition, so
      // a batch's marker is never stored without every record before it.
      {"enable.gapless.guarantee", "true"},
      {"linger.ms", "2"},
      {"batch.num.messages", "10000"},
      {"queue.buffering.max.messages", "1000000"},
      {"message.timeout.ms", std::to_string(o.message_timeout_ms)},
  };
  props.insert(props.end(), kafka.properties.begin(), kafka.properties.end());
  auto conf = NewKafkaConf(props);
  if (!conf.ok()) return conf.status();
  std::string errstr;
  if ((*conf)->set("dr_cb", reports.get(), errstr) != RdKafka::Conf::CONF_OK) {
    return Internal("dr_cb: " + errstr);
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf->get(), errstr));
  if (!producer) return InvalidArgument("kafka producer: " + errstr);
  const std::string where = "changelog topic " + o.topic;
  auto partitions = TopicPartitionCount(reader->get(), o.topic, 10000);
  if (partitions.status().code() == StatusCode::kNotFound) {
    if (!o.create) {
      return FailedPrecondition(
          where + " does not exist (changelog.create is off): create it with " +
          std::to_string(o.partitions) + " partitions and cleanup.policy=compact");
    }
    Status created = CreateCompactedTopic(producer->c_ptr(), o);
    if (!created.ok()) {
      return FailedPrecondition(where + " does not exist and could not be created (" +
                                created.message() + "): create it with " +
                                std::to_string(o.partitions) +
                                " partitions and cleanup.policy=compact");
    }
    spdlog::info("{} created: {} partitions, cleanup.policy=compact", where, o.partitions);
    for (int i = 0; i < 50 && !partitions.ok(); ++i) {  // metadata catches up with the creation
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      partitions = TopicPartitionCount(reader->get(), o.topic, 10000);
    }
  }
  if (!partitions.ok()) return Unavailable(where + ": " + partitions.status().message());
  if (*partitions != o.partitions) {
    return FailedPrecondition(where + " has " + std::to_string(*partitions) +
                              " partitions; it must have as many as the source topic (" +
                              std::to_string(o.partitions) + ")");
  }
  auto policy = CleanupPolicy(producer->c_ptr(), o.topic);
  if (!policy.ok()) return policy.status();
  if (*policy && (*policy)->find("compact") == std::string::npos) {
    return FailedPrecondition(where + " has cleanup.policy=" + **policy +
                              "; it must be compact (or the state of customers not changed "
                              "within the retention is lost)");
  }
  return std::unique_ptr<Changelog>(new KafkaChangelog(
      o.topic, std::move(reports), std::move(producer), std::move(*reader), o.message_timeout_ms));
}

}  // namespace segd
