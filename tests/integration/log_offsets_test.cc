// Offsets that go backwards and history cut by retention, on the mock cluster. The mock has no
// topic deletion, truncation or DeleteRecords: a topic "recreated" is the same topic name on a
// second DevBroker (a new, empty cluster), and a history cut by retention is a partition
// produced past the mock's ~5 MiB per partition. segd must stop with an error naming the
// partition and the offsets, never skip the new log's messages as already applied, and apply
// every new event after the documented `segd reset-offsets`.
#include <gtest/gtest.h>

#include <fstream>

#include "integration/kafka_test_env.h"
#include "segd/kafka/topic_log_ranges.h"
#include "testing/child_process.h"

namespace segd::testing {
namespace {

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";

class LogOffsetsTest : public KafkaTestEnv {
 protected:
  // A config file for a child segd on `brokers`, with the defaults for offsets
  // (auto_offset_reset: earliest, accept_history_gap: false) unless `extra_kafka` says more, and no
  // changelog.
  std::string WriteConfig(const std::string& name, const std::string& brokers,
                          const std::string& topics, const std::string& state,
                          const std::string& extra_kafka = "") {
    const std::string path = dir_.Sub(name + ".yaml");
    std::ofstream(path) << "kafka:\n  brokers: \"" << brokers << "\"\n  topics: [" << topics
                        << "]\n  group_id: g-" << name
                        << "\n  session_timeout_ms: 3000\n  heartbeat_interval_ms: 500\n"
                        << extra_kafka << "storage:\n  path: " << state
                        << "\n  block_cache_mb: 8\n  write_buffer_mb: 4\n"
                        << "ingest:\n  batch_max_events: 100\n  batch_linger_ms: 5\n"
                        << "http:\n  bind: \"127.0.0.1:0\"\n"
                        // Without a changelog (the case the checks matter most for; a
                        // recreated topic's second broker has none, and one test subscribes
                        // by pattern, whose partition count segd cannot check).
                        << "changelog:\n  enabled: false\n";
    return path;
  }

  static void ProduceTo(const std::string& brokers, const std::string& topic,
                        const std::vector<KeyedEvent>& events) {
    auto producer = NewKafkaProducer({brokers, "test-producer", {}});
    ASSERT_TRUE(producer.ok());
    for (const KeyedEvent& e : events) {
      ASSERT_TRUE((*producer)->Produce(topic, -1, e.key, e.json).ok());
    }
    ASSERT_TRUE((*producer)->Flush(30000).ok());
  }

  // Runs a child segd command to its end; its output is appended to `log`.
  static int RunSegd(const std::vector<std::string>& args, const std::string& log,
                     int timeout_s = 60) {
    std::vector<std::string> argv = {kSegd};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess child(argv, {}, log);
    auto code = child.Wait(std::chrono::seconds(timeout_s));
    EXPECT_TRUE(code.has_value()) << "segd did not finish:\n" << ReadFile(log);
    return code.value_or(-1);
  }

  static std::map<TopicPartition, PartitionProgress> ProgressMap(const std::string& state) {
    std::map<TopicPartition, PartitionProgress> out;
    for (const auto& [tp, p] : StoredProgress(state)) out[tp] = p;
    return out;
  }

  // The segd ingest loop in this process, to its end (or its first error).
  static Status RunInProcess(const SegdConfig& c, IngestStats* stats) {
    auto store = OpenRocksDbStateStore(c.storage);
    if (!store.ok()) return store.status();
    auto producer = NewKafkaProducer({c.kafka.brokers, "dlq", {}});
    if (!producer.ok()) return producer.status();
    auto dlq = NewKafkaDeadLetterSink(std::move(*producer), "", 10000);
    IngestPipeline pipeline({}, store->get(), dlq.get(), stats,
                            [] { return ParseRfc3339Ms("2020-01-01T00:00:00Z").value(); });
    SEGD_RETURN_IF_ERROR(pipeline.Load());
    IngestLoopOptions o;
    o.batch_max_events = 2000;
    o.exit_when_caught_up = true;
    o.start_policy.accept_history_gap = c.kafka.accept_history_gap;
    IngestLoop loop(o, &pipeline);
    auto source = NewKafkaMessageSource(c.kafka, &loop);
    if (!source.ok()) return source.status();
    std::atomic<bool> stop{false};
    return loop.Run(source->get(), stop);
  }

  // A store that consumed `history` from `topic` (2 partitions) on the suite's broker.
  std::map<TopicPartition, PartitionProgress> ConsumeOnBrokerA(
      const std::string& topic, const std::vector<KeyedEvent>& history, const std::string& state) {
    Produce(topic, history);
    SegdConfig c = Config(topic, state);
    RunUntilCaughtUp(c);
    auto progress = ProgressMap(state);
    EXPECT_EQ(progress.size(), 2u);
    return progress;
  }

  // The log that `segd` wrote, checked for the offsets error of one of `topic`'s partitions:
  // its stored offset and the end of the recreated partition.
  static void ExpectOffsetsError(const std::string& log, const std::string& topic,
                                 const std::map<TopicPartition, PartitionProgress>& stored,
                                 const std::vector<PartitionLogRange>& now) {
    bool found = false;
    for (const PartitionLogRange& r : now) {
      const auto it = stored.find({topic, r.partition});
      ASSERT_NE(it, stored.end());
      found |=
          log.find("partition " + topic + "/" + std::to_string(r.partition) +
                   ": segd's next offset is " + std::to_string(it->second.next_offset) +
                   ", beyond the end offset " + std::to_string(r.log.high)) != std::string::npos;
    }
    EXPECT_TRUE(found) << log;
    EXPECT_NE(log.find("segd reset-offsets --topic " + topic + " --to earliest"), std::string::npos)
        << log;
  }

  // After `segd reset-offsets --to earliest` and a run: every partition consumed to its end
  // on the new broker, each new event applied once, every customer as expected.
  void ExpectResetAppliesEverything(const std::string& config, const std::string& state,
                                    const std::string& topic,
                                    const std::map<TopicPartition, PartitionProgress>& before,
                                    const std::vector<PartitionLogRange>& now,
                                    const std::vector<KeyedEvent>& all_events, size_t new_events) {
    const std::string reset_log = dir_.Sub("reset.log");
    ASSERT_EQ(RunSegd({"--config", config, "reset-offsets", "--topic", topic, "--to", "earliest"},
                      reset_log),
              0)
        << ReadFile(reset_log);
    const std::string out = ReadFile(reset_log);
    for (const PartitionLogRange& r : now) {
      EXPECT_NE(out.find(topic + "/" + std::to_string(r.partition) + ": " +
                         std::to_string(before.at({topic, r.partition}).next_offset) + " -> 0"),
                std::string::npos)
          << out;
    }
    const std::string run_log = dir_.Sub("after-reset.log");
    ASSERT_EQ(RunSegd({"--config", config, "run", "--exit-when-caught-up"}, run_log), 0)
        << ReadFile(run_log);
    const auto after = ProgressMap(state);
    uint64_t counted = 0;
    for (const PartitionLogRange& r : now) {
      const PartitionProgress& a = after.at({topic, r.partition});
      const PartitionProgress& b = before.at({topic, r.partition});
      EXPECT_EQ(a.next_offset, r.log.high);
      counted +=
          (a.applied - b.applied) + (a.duplicates - b.duplicates) + (a.rejected - b.rejected);
    }
    EXPECT_EQ(counted, new_events);  // every new event counted once, none taken as stale
    EXPECT_EQ(StoredCustomers(state), Customers(*ExpectedState(all_events)));
  }
};

// A store that consumed topic T is started against T recreated (empty, then 50 new events):
// segd stops with the offsets error and applies nothing; after `segd reset-offsets --topic T
// --to earliest` it applies all 50.
TEST_F(LogOffsetsTest, RecreatedTopicUnderAStoppedSegdStopsItUntilTheOffsetsAreReset) {
  const std::string topic = NewTopic(2);
  const std::string state = dir_.Sub("state");
  const auto history = MakeHistory(300, 51);
  const auto before = ConsumeOnBrokerA(topic, history, state);
  const auto customers_before = StoredCustomers(state);
  ASSERT_EQ(customers_before, Customers(*ExpectedState(history)));

  auto recreated = DevBroker::Start(1);
  ASSERT_TRUE(recreated.ok());
  DevBroker& b = **recreated;
  ASSERT_TRUE(b.CreateTopic(topic, 2).ok());
  ASSERT_TRUE(b.CreateTopic(topic + ".dlq", 2).ok());
  auto fresh = MakeHistory(40, 52);
  ASSERT_GE(fresh.size(), 50u);
  fresh.resize(50);
  ProduceTo(b.bootstrap_servers(), topic, fresh);
  auto now = QueryTopicLogRanges({.brokers = b.bootstrap_servers()}, topic, 10000);
  ASSERT_TRUE(now.ok()) << now.status().ToString();
  ASSERT_EQ(now->size(), 2u);
  for (const PartitionLogRange& r : *now) {
    ASSERT_LT(r.log.high, before.at({topic, r.partition}).next_offset);  // the log went back
  }

  const std::string config = WriteConfig("stopped", b.bootstrap_servers(), topic, state);
  const std::string log = dir_.Sub("segd.log");
  EXPECT_EQ(RunSegd({"--config", config, "run", "--exit-when-caught-up"}, log), 1);
  ExpectOffsetsError(ReadFile(log), topic, before, *now);
  EXPECT_EQ(ProgressMap(state), before);  // nothing applied, nothing counted
  EXPECT_EQ(StoredCustomers(state), customers_before);

  auto all = history;
  all.insert(all.end(), fresh.begin(), fresh.end());
  ExpectResetAppliesEverything(config, state, topic, before, *now, all, fresh.size());
}

// A running segd whose store holds offsets of topic T (consumed before T was deleted) serves
// another topic while T does not exist; T is recreated with 50 events, the group rebalances and
// assigns T's partitions to it: it stops with the offsets error, having applied nothing of T.
// (The mock cannot shrink a log under an active fetch: no deletion, truncation or DeleteRecords,
// and a second DevBroker is another cluster on other ports.)
TEST_F(LogOffsetsTest, RecreatedTopicUnderARunningSegdStopsItAtTheRebalance) {
  const std::string topic = NewTopic(2);
  const std::string state = dir_.Sub("state");
  const auto history = MakeHistory(300, 61);
  const auto before = ConsumeOnBrokerA(topic, history, state);

  auto recreated = DevBroker::Start(1);
  ASSERT_TRUE(recreated.ok());
  DevBroker& b = **recreated;
  const std::string other = topic + "-other";
  ASSERT_TRUE(b.CreateTopic(other, 1).ok());
  ASSERT_TRUE(b.CreateTopic(other + ".dlq", 1).ok());
  const auto other_events = MakeHistory(30, 62);
  ProduceTo(b.bootstrap_servers(), other, other_events);
  // T is subscribed to by a pattern: the mock creates any topic named in a metadata request
  // (it ignores allow.auto.create.topics), which would recreate T at once. The group notices T's
  // return at its next metadata refresh.
  const std::string config =
      WriteConfig("running", b.bootstrap_servers(), other + ", \"^" + topic + "$\"", state,
                  "  properties: {topic.metadata.refresh.interval.ms: \"1000\"}\n");
  const std::string log = dir_.Sub("segd.log");
  ChildProcess segd({kSegd, "--config", config, "run"}, {}, log);
  // Running: it consumes the other topic to its end.
  for (int i = 0; i < 600; ++i) {
    const auto p = ProgressMap(state);
    auto it = p.find({other, 0});
    if (it != p.end() && it->second.next_offset == int64_t(other_events.size())) break;
    ASSERT_FALSE(segd.Wait(std::chrono::milliseconds(50)).has_value()) << ReadFile(log);
  }
  ASSERT_EQ(ProgressMap(state).at({other, 0}).next_offset, int64_t(other_events.size()))
      << ReadFile(log);

  ASSERT_TRUE(b.CreateTopic(topic, 2).ok());
  ASSERT_TRUE(b.CreateTopic(topic + ".dlq", 2).ok());
  auto fresh = MakeHistory(40, 63);
  fresh.resize(50);
  ProduceTo(b.bootstrap_servers(), topic, fresh);
  auto now = QueryTopicLogRanges({.brokers = b.bootstrap_servers()}, topic, 10000);
  ASSERT_TRUE(now.ok()) << now.status().ToString();

  auto code = segd.Wait(std::chrono::seconds(60));
  ASSERT_TRUE(code.has_value()) << "segd went on:\n" << ReadFile(log);
  EXPECT_EQ(*code, 1);
  const std::string text = ReadFile(log);
  ExpectOffsetsError(text, topic, before, *now);
  EXPECT_NE(text.find("consumption stopped: failed_precondition: partition " + topic + "/"),
            std::string::npos)
      << text;
  const auto after = ProgressMap(state);
  for (const auto& [tp, p] : before) EXPECT_EQ(after.at(tp), p) << tp.topic << "/" << tp.partition;

  auto all = history;
  all.insert(all.end(), other_events.begin(), other_events.end());
  all.insert(all.end(), fresh.begin(), fresh.end());
  ExpectResetAppliesEverything(config, state, topic, before, *now, all, fresh.size());
}

// When the broker does not answer the assignment's offset query, the partition starts unchecked
// at its stored offset: the position beyond the recreated log's end still stops segd, on fetch,
// naming the partition and the offsets (librdkafka's offset reset is an error), and with
// accept_history_gap (reset to the earliest offset) the delivery below segd's position does.
TEST_F(LogOffsetsTest, UncheckedStartBeyondTheLogEndStopsOnFetch) {
  const std::string topic = NewTopic(2);
  const std::string state = dir_.Sub("state");
  const auto before = ConsumeOnBrokerA(topic, MakeHistory(300, 71), state);

  auto recreated = DevBroker::Start(1);
  ASSERT_TRUE(recreated.ok());
  DevBroker& b = **recreated;
  ASSERT_TRUE(b.CreateTopic(topic, 1).ok());  // only partition 0 now
  ASSERT_TRUE(b.CreateTopic(topic + ".dlq", 1).ok());
  auto fresh = MakeHistory(40, 72);
  fresh.resize(50);
  ProduceTo(b.bootstrap_servers(), topic, fresh);

  SegdConfig c = Config(topic, state);
  c.kafka.brokers = b.bootstrap_servers();
  c.kafka.auto_offset_reset = "earliest";
  const std::string p0 = "partition " + topic + "/0";
  const std::string stored = std::to_string(before.at({topic, 0}).next_offset);
  {
    constexpr int kTopicAuthorizationFailed = 29;  // not retried: the query fails at once
    b.PushRequestErrors(KafkaApi::kListOffsets,
                        {kTopicAuthorizationFailed, kTopicAuthorizationFailed});
    IngestStats stats;
    const Status s = RunInProcess(c, &stats);
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
    EXPECT_NE(
        s.message().find(p0 + ": segd's next offset is " + stored + ", beyond the end offset 50"),
        std::string::npos)
        << s.ToString();
    EXPECT_NE(s.message().find("the consumer reported: fetch failed due to requested offset "
                               "not available on the broker: Broker: Offset out of range"),
              std::string::npos)
        << s.ToString();
    EXPECT_EQ(stats.messages.load(), 0u);
  }
  {
    c.kafka.accept_history_gap = true;  // librdkafka resets to the earliest offset, 0
    constexpr int kTopicAuthorizationFailed = 29;
    b.PushRequestErrors(KafkaApi::kListOffsets,
                        {kTopicAuthorizationFailed, kTopicAuthorizationFailed});
    IngestStats stats;
    const Status s = RunInProcess(c, &stats);
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
    EXPECT_NE(s.message().find(p0 + ": the broker delivered offset 0, below segd's next offset " +
                               stored),
              std::string::npos)
        << s.ToString();
    EXPECT_EQ(stats.messages.load(), 0u);
    EXPECT_EQ(stats.stale_messages.load(), 0u);
  }
  EXPECT_EQ(ProgressMap(state), before);
}

// A partition the store never consumed, whose log no longer starts at offset 0 (the mock keeps
// ~5 MiB per partition): with the default auto_offset_reset: earliest segd stops with the
// history-gap error; with accept_history_gap it starts at the oldest retained offset.
TEST_F(LogOffsetsTest, HistoryCutByRetentionStopsUnlessTheGapIsAccepted) {
  const std::string topic = NewTopic(1);
  const int chunk = EnvInt("SEGD_OFFSETS_TEST_CHUNK_CUSTOMERS", 4000);
  LogRange log;
  for (int round = 0; round < 12 && log.low == 0; ++round) {
    Produce(topic, MakeHistory(chunk, 80 + round));
    auto ranges = QueryTopicLogRanges({.brokers = broker_->bootstrap_servers()}, topic, 10000);
    ASSERT_TRUE(ranges.ok()) << ranges.status().ToString();
    log = ranges->at(0).log;
  }
  ASSERT_GT(log.low, 0) << "retention never cut the partition";

  SegdConfig c = Config(topic, dir_.Sub("cut"));
  c.kafka.auto_offset_reset = "earliest";
  {
    IngestStats stats;
    const Status s = RunInProcess(c, &stats);
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
    EXPECT_NE(
        s.message().find("history cut by retention: partition " + topic + "/0 starts at offset " +
                         std::to_string(log.low) + ", segd has no state before it"),
        std::string::npos)
        << s.ToString();
    EXPECT_EQ(stats.messages.load(), 0u);
    EXPECT_TRUE(StoredProgress(c.storage.path).empty());
  }
  c.kafka.accept_history_gap = true;
  IngestStats stats;
  const Status s = RunInProcess(c, &stats);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(stats.history_gaps_accepted.load(), 1u);
  const auto progress = StoredProgress(c.storage.path);
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0].second.next_offset, log.high);
  EXPECT_EQ(stats.messages.load(), uint64_t(log.high - log.low));  // from the oldest retained
  EXPECT_EQ(stats.messages.load(), progress[0].second.applied + progress[0].second.duplicates +
                                       progress[0].second.rejected);
}

}  // namespace
}  // namespace segd::testing
