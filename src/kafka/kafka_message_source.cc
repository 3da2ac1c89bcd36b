// Rebalances use the eager protocol: on revoke the listener commits everything consumed from the
// partitions before they are unassigned, and on assign each partition is seeked to the offset
// stored in RocksDB (design invariant 1), never to a Kafka-committed offset.
#include "segd/kafka/kafka_message_source.h"

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "kafka/fetch_positions.h"
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
  // Thread-safe.
  std::vector<TopicPartition> assignment() const {
    std::lock_guard<std::mutex> lock(mu_);
    return assignment_;
  }
  // End offsets reached since the last partition move (consumer thread only).
  std::map<TopicPartition, int64_t>& reached_ends() { return reached_ends_; }
  // The next offset expected of each assigned partition (consumer thread only).
  FetchPositions& positions() { return positions_; }

 private:
  void Assign(RdKafka::KafkaConsumer* consumer, PartitionList& parts) {
    std::vector<int64_t> offsets;
    Status s = listener_->OnAssigned(ToSegd(parts), &offsets);
    if (!s.ok()) {
      Fail(std::move(s));
      consumer->unassign();
      return;
    }
    positions_.Clear();
    for (size_t i = 0; i < parts.size(); ++i) {
      parts[i]->set_offset(offsets[i]);
      positions_.Start({parts[i]->topic(), parts[i]->partition()}, offsets[i]);
    }
    RdKafka::ErrorCode e = consumer->assign(parts);
    if (e != RdKafka::ERR_NO_ERROR) Fail(Unavailable("assign: " + RdKafka::err2str(e)));
    reached_ends_.clear();
    std::lock_guard<std::mutex> lock(mu_);
    assignment_ = ToSegd(parts);
    spdlog::info("partitions assigned count={}", parts.size());
  }

  void Revoke(RdKafka::KafkaConsumer* consumer, PartitionList& parts) {
    Status s = listener_->OnRevoked(ToSegd(parts));
    if (!s.ok()) Fail(std::move(s));
    consumer->unassign();
    reached_ends_.clear();
    positions_.Clear();
    {
      std::lock_guard<std::mutex> lock(mu_);
      assignment_.clear();
    }
    spdlog::info("partitions revoked count={}", parts.size());
  }

  void Fail(Status s) {
    if (error_.ok()) error_ = std::move(s);
  }

  PartitionListener* listener_;
  Status error_;
  std::map<TopicPartition, int64_t> reached_ends_;
  FetchPositions positions_;
  mutable std::mutex mu_;
  std::vector<TopicPartition> assignment_;  // guarded by mu_
};

// Measures end offsets (for lag) and whether brokers answer, every couple of seconds, on its own
// thread and librdkafka handle: librdkafka's watermark and metadata queries can block for up to
// socket.timeout.ms (60 s) while brokers are down, which the consumer thread must never do.
class BrokerMonitor {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kInterval = std::chrono::seconds(2);
  static constexpr auto kLostAfter = std::chrono::seconds(6);

  BrokerMonitor(std::unique_ptr<RdKafka::Producer> handle, const Rebalancer* rebalancer)
      : shared_(std::make_shared<Shared>()) {
    shared_->handle = std::move(handle);
    shared_->rebalancer = rebalancer;
    shared_->last_contact_ns = Clock::now().time_since_epoch().count();
    thread_ = std::thread([shared = shared_] { Run(*shared); });
  }

  // Stops the thread. If it is stuck in a query to a dead broker, it is left to finish on its
  // own (it owns its handle and state) rather than holding up shutdown.
  ~BrokerMonitor() {
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      shared_->stop = true;
      shared_->rebalancer = nullptr;
    }
    shared_->cv.notify_all();
    std::unique_lock<std::mutex> lock(shared_->mu);
    if (shared_->cv.wait_for(lock, std::chrono::seconds(2), [&] { return shared_->done; })) {
      lock.unlock();
      thread_.join();
    } else {
      thread_.detach();
    }
  }

  void MarkContact() {
    shared_->last_contact_ns.store(Clock::now().time_since_epoch().count(),
                                   std::memory_order_relaxed);
  }
  bool reachable() const { return shared_->Reachable(); }
  std::optional<int64_t> end_offset(const TopicPartition& tp) const {
    std::lock_guard<std::mutex> lock(shared_->mu);
    auto it = shared_->ends.find(tp);
    return it == shared_->ends.end() ? std::nullopt : std::optional<int64_t>(it->second);
  }

 private:
  struct Shared {
    std::unique_ptr<RdKafka::Producer> handle;
    std::atomic<int64_t> last_contact_ns{0};
    std::mutex mu;
    std::condition_variable cv;
    const Rebalancer* rebalancer = nullptr;  // guarded by mu; null once stopping
    bool stop = false;                       // guarded by mu
    bool done = false;                       // guarded by mu
    std::map<TopicPartition, int64_t> ends;  // guarded by mu

    bool Reachable() const {
      const auto last = Clock::time_point(Clock::duration(last_contact_ns.load()));
      return Clock::now() - last < kLostAfter;
    }
  };

  static void Run(Shared& s) {
    bool was_reachable = true;
    std::unique_lock<std::mutex> lock(s.mu);
    while (!s.stop) {
      const std::vector<TopicPartition> parts = s.rebalancer->assignment();
      lock.unlock();
      bool answered = false;
      if (parts.empty()) {
        RdKafka::Metadata* md = nullptr;
        answered = s.handle->metadata(false, nullptr, &md, 2000) == RdKafka::ERR_NO_ERROR;
        delete md;
      }
      std::map<TopicPartition, int64_t> ends;
      for (const TopicPartition& tp : parts) {
        int64_t low = 0, high = 0;
        if (s.handle->query_watermark_offsets(tp.topic, tp.partition, &low, &high, 2000) ==
            RdKafka::ERR_NO_ERROR) {
          ends[tp] = high;
          answered = true;
        }
      }
      if (answered) {
        s.last_contact_ns.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
      }
      const bool reachable = s.Reachable();
      if (reachable != was_reachable) {
        if (reachable) {
          spdlog::info("kafka brokers answer again");
        } else {
          spdlog::error("kafka: no broker answered for {} s; not ready, reconnecting",
                        std::chrono::duration_cast<std::chrono::seconds>(kLostAfter).count());
        }
        was_reachable = reachable;
      }
      lock.lock();
      for (auto& [tp, end] : ends) s.ends[tp] = end;
      s.cv.wait_for(lock, kInterval, [&] { return s.stop; });
    }
    s.done = true;
    lock.unlock();
    s.cv.notify_all();
  }

  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

class KafkaMessageSource : public MessageSource {
 public:
  KafkaMessageSource(std::unique_ptr<Rebalancer> rebalancer,
                     std::unique_ptr<RdKafka::KafkaConsumer> consumer,
                     std::unique_ptr<RdKafka::Producer> monitor_handle)
      : rebalancer_(std::move(rebalancer)),
        consumer_(std::move(consumer)),
        monitor_(std::make_unique<BrokerMonitor>(std::move(monitor_handle), rebalancer_.get())) {}

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

  void Pause(const std::vector<TopicPartition>& partitions) override {
    PauseOrResume(partitions, true);
  }
  void Resume(const std::vector<TopicPartition>& partitions) override {
    PauseOrResume(partitions, false);
  }

  StatusOr<LogRange> QueryLogRange(const TopicPartition& tp, int timeout_ms) override {
    if (closed_) return FailedPrecondition("consumer closed");
    LogRange log;
    const RdKafka::ErrorCode e = consumer_->query_watermark_offsets(
        tp.topic, tp.partition, &log.low, &log.high, std::max(1, timeout_ms));
    if (e != RdKafka::ERR_NO_ERROR) return Unavailable("watermarks: " + RdKafka::err2str(e));
    monitor_->MarkContact();
    return log;
  }

  bool BrokersReachable() const override { return monitor_->reachable(); }

  std::optional<int64_t> ReachedEnd(const TopicPartition& tp) const override {
    const auto& ends = rebalancer_->reached_ends();
    auto it = ends.find(tp);
    return it == ends.end() ? std::nullopt : std::optional<int64_t>(it->second);
  }

  std::optional<int64_t> MeasuredEndOffset(const TopicPartition& tp) const override {
    return monitor_->end_offset(tp);
  }

  Status Close() override {
    if (closed_) return Status::Ok();
    closed_ = true;
    monitor_.reset();
    consumer_->close();  // runs the revoke callback
    return rebalancer_->TakeError();
  }

 private:
  Status HandleError(const RdKafka::Message& m);
  Status PositionLost(const RdKafka::Message& m);
  void PauseOrResume(const std::vector<TopicPartition>& partitions, bool pause) {
    if (partitions.empty() || closed_) return;
    PartitionList parts;
    for (const TopicPartition& tp : partitions) {
      parts.push_back(RdKafka::TopicPartition::create(tp.topic, tp.partition));
    }
    const RdKafka::ErrorCode err = pause ? consumer_->pause(parts) : consumer_->resume(parts);
    // Only unknown partitions fail (e.g. revoked meanwhile): nothing to pause or resume then.
    if (err != RdKafka::ERR_NO_ERROR) {
      spdlog::warn("{} {} partition(s): {}", pause ? "pausing" : "resuming", parts.size(),
                   RdKafka::err2str(err));
    }
    RdKafka::TopicPartition::destroy(parts);
  }

  std::unique_ptr<Rebalancer> rebalancer_;  // outlives consumer_
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  bool closed_ = false;
  std::unique_ptr<BrokerMonitor> monitor_;
};

Status KafkaMessageSource::HandleError(const RdKafka::Message& m) {
  switch (m.err()) {
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR__PARTITION_EOF:
      return Status::Ok();
    case RdKafka::ERR__AUTO_OFFSET_RESET:
    case RdKafka::ERR_OFFSET_OUT_OF_RANGE:
      return PositionLost(m);
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

// The broker no longer holds the offset segd must resume from: events were deleted before segd
// applied them, or the log is shorter than what segd consumed. Stopping is the only honest
// answer (librdkafka only reports this with auto.offset.reset=error, see NewKafkaMessageSource).
Status KafkaMessageSource::PositionLost(const RdKafka::Message& m) {
  const TopicPartition tp{m.topic_name(), m.partition()};
  const std::string where = "partition " + tp.topic + "/" + std::to_string(tp.partition);
  const int64_t position = m.offset();  // where the fetch failed, when librdkafka knows it
  auto log = QueryLogRange(tp, 5000);
  if (position < 0 || !log.ok() || (position >= log->low && position <= log->high)) {
    const std::string at = position >= 0 ? "offset " + std::to_string(position) : "its position";
    return DataLoss(where + ": " + at + " is not on the broker: " + m.errstr() +
                    (log.ok() ? "; its log holds offsets " + std::to_string(log->low) + ".." +
                                    std::to_string(log->high)
                              : ""));
  }
  const Status s = PositionOutsideLog(tp, position, *log);
  return Status(s.code(), s.message() + "; the consumer reported: " + m.errstr());
}

Status KafkaMessageSource::Poll(int timeout_ms, size_t max_messages, std::vector<RawMessage>* out) {
  int wait = timeout_ms;
  auto& reached_ends = rebalancer_->reached_ends();
  FetchPositions& positions = rebalancer_->positions();
  for (size_t n = 0; n < max_messages;) {
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(wait));
    SEGD_RETURN_IF_ERROR(rebalancer_->TakeError());
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      SEGD_RETURN_IF_ERROR(positions.ReachEnd(m->topic_name(), m->partition(), m->offset()));
      reached_ends[{m->topic_name(), m->partition()}] = m->offset();
      monitor_->MarkContact();
      wait = 0;
      continue;
    }
    if (m->err() != RdKafka::ERR_NO_ERROR) {
      SEGD_RETURN_IF_ERROR(HandleError(*m));
      break;
    }
    std::string topic = m->topic_name();
    SEGD_RETURN_IF_ERROR(positions.Deliver(topic, m->partition(), m->offset()));
    if (n++ == 0) monitor_->MarkContact();
    wait = 0;  // after the first message, take only what is already fetched
    RawMessage& r = out->emplace_back();
    r.topic = std::move(topic);
    r.partition = m->partition();
    r.offset = m->offset();
    if (!reached_ends.empty()) {
      auto it = reached_ends.find({r.topic, r.partition});
      if (it != reached_ends.end() && r.offset >= it->second) reached_ends.erase(it);
    }
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
      {"enable.partition.eof", "true"},  // how segd knows it has caught up
      // segd starts every assigned partition at an explicit offset (or the beginning, which
      // is no reset), so librdkafka resets a position only when the broker no longer has it.
      // Unless history gaps are accepted, such a reset must stop segd (events lost, or a log
      // that went backwards) instead of jumping silently: "error".
      {"auto.offset.reset", c.accept_history_gap ? c.auto_offset_reset : "error"},
      {"session.timeout.ms", std::to_string(c.session_timeout_ms)},
      {"heartbeat.interval.ms", std::to_string(c.heartbeat_interval_ms)},
      {"fetch.wait.max.ms", std::to_string(c.fetch_wait_max_ms)},
      // Prefetch by bytes, not by count: librdkafka stops fetching once its queue holds
      // queued.min.messages (100,000 by default, counted over all partitions of the consumer
      // queue), and segd (which takes up to 4 micro-batches per poll) then waited for fetches
      // half of the time while catching up (bench/README, "Storage format 2"). The queue stays
      // bounded by queued.max.messages.kbytes (64 MiB by default).
      {"queued.min.messages", "10000000"},
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
  // The monitor's handle: same brokers and security settings, no group.
  std::vector<std::pair<std::string, std::string>> monitor_props = {
      {"bootstrap.servers", c.brokers}, {"client.id", c.client_id + "-monitor"}};
  monitor_props.insert(monitor_props.end(), c.properties.begin(), c.properties.end());
  auto monitor_conf = NewKafkaConf(monitor_props);
  if (!monitor_conf.ok()) return monitor_conf.status();
  std::unique_ptr<RdKafka::Producer> monitor(
      RdKafka::Producer::create(monitor_conf->get(), errstr));
  if (!monitor) return InvalidArgument("kafka monitor handle: " + errstr);
  return std::unique_ptr<MessageSource>(
      new KafkaMessageSource(std::move(rebalancer), std::move(consumer), std::move(monitor)));
}

}  // namespace segd
