// State follows partitions through the changelog: an instance that never had a partition
// restores it from the changelog topic and then consumes the source from the offset recorded
// with it, exactly once, even when the source's oldest events are gone (the dev broker keeps
// ~5 MiB per partition); also after a kill between the changelog append and the local commit,
// and after a kill in the middle of a restore. Real segd processes, real mock-cluster topics.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "integration/kafka_test_env.h"
#include "segd/kafka/topic_log_ranges.h"
#include "testing/child_process.h"

namespace segd::testing {
namespace {

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";

class ChangelogRestoreTest : public KafkaTestEnv {
 protected:
  // A segd config for the instance `name` (its own store directory) in the topic's group.
  std::string WriteConfig(const std::string& topic, const std::string& name,
                          const std::string& extra = "") {
    const std::string path = dir_.Sub(name + ".yaml");
    std::ofstream(path) << "kafka:\n  brokers: \"" << broker_->bootstrap_servers()
                        << "\"\n  topics: [" << topic << "]\n  group_id: g-" << topic
                        << "\n  auto_offset_reset: error\n  session_timeout_ms: 3000\n"
                        << "  heartbeat_interval_ms: 500\nstorage:\n  path: " << dir_.Sub(name)
                        << "\n  min_free_mb: 0\n"
                        << "ingest:\n  batch_max_events: 200\n  batch_linger_ms: 5\n"
                        << "http:\n  bind: \"127.0.0.1:0\"\n"
                        << "model:\n  k: 3\n  n_init: 2\n  bootstrap_min_customers: 500\n"
                        << "drift:\n  every_seconds: 3600\n  every_event_days: 0\n"
                        << "cluster:\n  enabled: false\n"
                        << extra;
    return path;
  }

  // Runs segd until it has consumed every partition to its end; returns its exit code.
  int RunUntilCaughtUp(const std::string& config, const std::string& log,
                       const std::vector<std::string>& env = {}) {
    ChildProcess segd({kSegd, "--config", config, "run", "--exit-when-caught-up"}, env, log);
    const std::optional<int> code = segd.Wait(std::chrono::seconds(300));
    return code.value_or(-1);
  }

  // Every customer's state and record, its progress counters: exactly the history's.
  void ExpectExactlyOnce(const std::string& name, const std::vector<KeyedEvent>& history) {
    auto expected = ExpectedState(history);
    StorageOptions o;
    o.path = dir_.Sub(name);
    o.read_only = true;
    auto store = OpenRocksDbStateStore(o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(Customers(**store), Customers(*expected));
    EXPECT_EQ(AllRecords(**store), AllRecords(*expected));
    uint64_t applied = 0, duplicates = 0, consumed = 0;
    std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
    ASSERT_TRUE((*store)->ReadProgress(&progress).ok());
    for (const auto& [tp, p] : progress) {
      applied += p.applied;
      duplicates += p.duplicates;
      consumed += uint64_t(p.next_offset);
    }
    EXPECT_EQ(consumed, history.size());
    EXPECT_EQ(applied, history.size());  // the counters come back with the restored markers
    EXPECT_EQ(duplicates, 0u);
  }

  // The changelog offsets "restoring from the changelog, offsets A..B" lines of a log name.
  static std::vector<std::pair<int64_t, int64_t>> RestoreRanges(const std::string& log) {
    std::vector<std::pair<int64_t, int64_t>> out;
    const std::string text = ReadFile(log);
    const std::regex line(R"(restoring from the changelog, offsets (\d+)\.\.(\d+))");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), line);
         it != std::sregex_iterator(); ++it) {
      out.emplace_back(std::stoll((*it)[1]), std::stoll((*it)[2]));
    }
    return out;
  }
};

// Events padded to ~430 bytes (a long CloudEvents source, which segd does not keep), so that
// the dev broker's ~5 MiB per partition drops the source's oldest events well before it drops
// any of the (smaller) changelog records.
std::vector<KeyedEvent> Padded(std::vector<KeyedEvent> events) {
  const std::string source = "\"source\":\"/shop/" + std::string(230, 'x') + "\"";
  const std::regex field(R"("source":"[^"]*")");
  for (KeyedEvent& e : events) e.json = std::regex_replace(e.json, field, source);
  return events;
}

TEST_F(ChangelogRestoreTest, NewInstanceRestoresPartitionsWhoseSourceWasCutByRetention) {
  const std::string topic = NewTopic(1);
  const std::vector<KeyedEvent> history =
      Padded(InEventTimeOrder(MakeHistory(EnvInt("SEGD_RESTORE_TEST_CUSTOMERS", 9000), 31)));
  ASSERT_GT(history.size() * 430, size_t(7) << 20) << "too small to be cut by retention";

  // Instance A consumes the history while it is produced.
  const std::string config_a = WriteConfig(topic, "a");
  ChildProcess a({kSegd, "--config", config_a, "run"}, {}, dir_.Sub("a.log"));
  const size_t chunk = 2000;
  for (size_t from = 0; from < history.size(); from += chunk) {
    Produce(topic,
            std::vector<KeyedEvent>(history.begin() + from,
                                    history.begin() + std::min(history.size(), from + chunk)));
    for (int i = 0;
         i < 600 && StoredConsumed(dir_.Sub("a")) < std::min(history.size(), from + chunk); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(StoredConsumed(dir_.Sub("a")), std::min(history.size(), from + chunk))
        << ReadFile(dir_.Sub("a.log"));
  }
  a.Signal(SIGTERM);
  ASSERT_EQ(a.Wait(std::chrono::seconds(30)).value_or(-1), 0) << ReadFile(dir_.Sub("a.log"));
  ExpectExactlyOnce("a", history);
  const SegdConfig broker = Config(topic, dir_.Sub("unused"));
  auto source = QueryTopicLogRanges(broker.kafka, topic, 5000);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_GT(source->at(0).log.low, 1000) << "the source still holds its oldest events";
  auto logs = QueryTopicLogRanges(broker.kafka, "g-" + topic + ".changelog", 5000);
  ASSERT_TRUE(logs.ok()) << logs.status().ToString();
  const LogRange changelog = logs->at(0).log;
  EXPECT_EQ(changelog.low, 0) << "the changelog itself was cut: make the events larger";

  // A's disk is lost; B, which never had the partition, takes over. It is killed in the middle
  // of its restore (commits of 500 customers), and restarted: the source no longer holds what
  // it would need, so it resumes the restore where its last commit ended.
  std::filesystem::remove_all(dir_.Sub("a"));
  const std::string config_b =
      WriteConfig(topic, "b", "changelog:\n  restore_chunk_customers: 500\n");
  const std::string log_b = dir_.Sub("b.log");
  const std::string half = std::to_string(changelog.high / 2);
  ASSERT_EQ(RunUntilCaughtUp(config_b, log_b, {"SEGD_TEST_EXIT_AFTER_CHANGELOG_READS=" + half}), 86)
      << ReadFile(log_b);
  const uint64_t partial = StoredConsumed(dir_.Sub("b"));
  EXPECT_GT(partial, 0u) << "no restore chunk was committed";
  EXPECT_LT(partial, history.size());
  ASSERT_EQ(RunUntilCaughtUp(config_b, log_b), 0) << ReadFile(log_b);
  ExpectExactlyOnce("b", history);
  const auto ranges = RestoreRanges(log_b);
  ASSERT_EQ(ranges.size(), 2u) << ReadFile(log_b);
  EXPECT_EQ(ranges[0], (std::pair<int64_t, int64_t>{0, changelog.high}));
  EXPECT_GT(ranges[1].first, 0);
  EXPECT_LE(ranges[1].first, changelog.high / 2);
  EXPECT_EQ(ranges[1].second, changelog.high);
}

TEST_F(ChangelogRestoreTest, KillBetweenChangelogAndLocalCommitLosesNothing) {
  const std::string topic = NewTopic(2);
  const std::vector<KeyedEvent> history = InEventTimeOrder(MakeHistory(1500, 32));
  Produce(topic, history);

  // A stops (as a kill would stop it) right after its 6th changelog append, before that batch
  // is committed locally: the changelog is ahead of A's store.
  const std::string log_a = dir_.Sub("a.log");
  ASSERT_EQ(RunUntilCaughtUp(WriteConfig(topic, "a"), log_a,
                             {"SEGD_TEST_EXIT_AFTER_CHANGELOG_APPENDS=6"}),
            86)
      << ReadFile(log_a);
  const uint64_t stored = StoredConsumed(dir_.Sub("a"));
  EXPECT_GT(stored, 0u);
  EXPECT_LT(stored, history.size());
  std::filesystem::copy(dir_.Sub("a"), dir_.Sub("a2"), std::filesystem::copy_options::recursive);

  // B, with no state, restores what A appended (including the batch A never committed) and
  // consumes the rest from the recorded offsets.
  const std::string log_b = dir_.Sub("b.log");
  ASSERT_EQ(RunUntilCaughtUp(WriteConfig(topic, "b"), log_b), 0) << ReadFile(log_b);
  ExpectExactlyOnce("b", history);
  EXPECT_FALSE(RestoreRanges(log_b).empty()) << ReadFile(log_b);

  // A's own store, behind its changelog (now also behind B's appends): the source still holds
  // every event after its stored offsets, so it consumes them again (the models follow the
  // events) rather than restoring records, and ends exact too.
  const std::string log_a2 = dir_.Sub("a2.log");
  ASSERT_EQ(RunUntilCaughtUp(WriteConfig(topic, "a2"), log_a2), 0) << ReadFile(log_a2);
  ExpectExactlyOnce("a2", history);
  EXPECT_NE(ReadFile(log_a2).find("instead of restoring"), std::string::npos) << ReadFile(log_a2);
}

TEST_F(ChangelogRestoreTest, KilledMidRestoreWithTheSourceWholeConsumesTheSource) {
  const std::string topic = NewTopic(1);
  const std::vector<KeyedEvent> history = InEventTimeOrder(MakeHistory(1500, 33));
  Produce(topic, history);
  const std::string log_a = dir_.Sub("a.log");
  ASSERT_EQ(RunUntilCaughtUp(WriteConfig(topic, "a"), log_a), 0) << ReadFile(log_a);
  std::filesystem::remove_all(dir_.Sub("a"));

  // B restores in commits of 100 customers and stops after reading 1,000 entries.
  const std::string extra = "changelog:\n  restore_chunk_customers: 100\n";
  const std::string config_b = WriteConfig(topic, "b", extra);
  const std::string log_b = dir_.Sub("b.log");
  ASSERT_EQ(RunUntilCaughtUp(config_b, log_b, {"SEGD_TEST_EXIT_AFTER_CHANGELOG_READS=1000"}), 86)
      << ReadFile(log_b);
  const uint64_t partial = StoredConsumed(dir_.Sub("b"));
  EXPECT_GT(partial, 0u) << "no restore chunk was committed";
  EXPECT_LT(partial, history.size());

  // Restarted: its stored offsets are consistent with its state and the source holds every
  // event after them, so it consumes the rest from the source, exactly once.
  ASSERT_EQ(RunUntilCaughtUp(config_b, log_b), 0) << ReadFile(log_b);
  ExpectExactlyOnce("b", history);
  EXPECT_EQ(RestoreRanges(log_b).size(), 1u) << ReadFile(log_b);
  EXPECT_NE(ReadFile(log_b).find("instead of restoring"), std::string::npos) << ReadFile(log_b);
}

TEST_F(ChangelogRestoreTest, WrongOrMissingChangelogTopicStopsStartUp) {
  const std::string topic = NewTopic(2);
  // Missing (and not to be created): the error names the topic and what it must be.
  const std::string log_missing = dir_.Sub("missing.log");
  EXPECT_EQ(
      RunUntilCaughtUp(WriteConfig(topic, "missing",
                                   "changelog:\n  topic: nowhere-" + topic + "\n  create: false\n"),
                       log_missing),
      1);
  EXPECT_NE(ReadFile(log_missing)
                .find("changelog topic nowhere-" + topic +
                      " does not exist (changelog.create is off): create it with 2 partitions "
                      "and cleanup.policy=compact"),
            std::string::npos)
      << ReadFile(log_missing);
  // Partitioned unlike the source.
  ASSERT_TRUE(broker_->CreateTopic("three-" + topic, 3).ok());
  const std::string log_wrong = dir_.Sub("wrong.log");
  EXPECT_EQ(
      RunUntilCaughtUp(WriteConfig(topic, "wrong", "changelog:\n  topic: three-" + topic + "\n"),
                       log_wrong),
      1);
  EXPECT_NE(ReadFile(log_wrong).find("changelog topic three-" + topic +
                                     " has 3 partitions; it must have as many as the source "
                                     "topic (2)"),
            std::string::npos)
      << ReadFile(log_wrong);
}

}  // namespace
}  // namespace segd::testing
