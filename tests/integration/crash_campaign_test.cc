// Crash-consistency campaign: segd (a child process, real RocksDB, the mock cluster) is killed
// with SIGKILL at random moments while it replays a generated history, restarted each time, and
// finally run to the end. Every customer's state, every order record and the counters must
// equal the domain code's reference for the history (each event applied exactly once); on a
// single-partition topic the bootstrap baseline, the live model and the drift history (one
// evaluation per 14-day boundary of event time, with its retrain-policy state) must equal, bit
// for bit, those of an uninterrupted in-process run.
//
// CI runs a short campaign. The full one (issue 5: >= 200,000 events, >= 30 kills), one line:
//   SEGD_CRASH_CUSTOMERS=105000 SEGD_CRASH_KILLS=30 SEGD_CRASH_PARTITIONS=16
//   SEGD_CRASH_BATCH=200 build/tests/integration/crash_campaign_test
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "app/drift_monitor.h"
#include "drift/drift_record_json.h"
#include "integration/kafka_test_env.h"
#include "segd/model/baseline_trainer.h"
#include "segd/replay/event_json_writer.h"
#include "segd/replay/olist_generator.h"
#include "testing/child_process.h"

namespace segd::testing {
namespace {

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";

class NoDeadLetters : public DeadLetterSink {
 public:
  Status Send(const RawMessage&, const Rejection&) override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
};

// The drift schedule both the campaign's segd and the reference use (threshold 0.99 so that
// the retrain policy's streaks build up and a restart that lost them would show).
const DriftConfig kDrift{
    .every_seconds = 3600, .every_event_days = 14, .threshold = 0.99, .refit_every = 4};

// Every evaluation as JSON, without what depends on the wall clock.
std::vector<std::string> DriftHistoryWithoutWallClock(const DriftHistory& history) {
  std::vector<std::string> out;
  auto page = history.Read(0, INT64_MAX, 100000, "");
  EXPECT_TRUE(page.ok());
  if (!page.ok()) return out;
  for (DriftRecord r : page->records) {
    r.evaluated_unix_ms = 0;
    r.seconds = 0;
    out.push_back(DriftRecordJson(r).dump());
  }
  return out;
}

class CrashCampaignTest : public KafkaTestEnv {
 protected:
  std::vector<KeyedEvent> Generate(int customers, uint64_t seed) {
    std::vector<KeyedEvent> out;
    std::string json;
    EXPECT_TRUE(OlistGenerator({.seed = seed, .customers = customers})
                    .Generate([&](const Event& e) {
                      json.clear();
                      AppendEventJson(e, &json);
                      out.push_back({e.subject, json, e});
                      return Status::Ok();
                    })
                    .ok());
    return out;
  }

  // Replays `history` into a fresh topic and runs segd on it, killing it `kills` times at random
  // moments; returns the number of kills done (fewer if segd finished first).
  std::string last_topic_;  // of the last Campaign (the live model's blob names partitions)

  int Campaign(const std::vector<KeyedEvent>& history, int partitions, int kills,
               const std::string& name, uint64_t seed) {
    const std::string topic = NewTopic(partitions);
    last_topic_ = topic;
    Produce(topic, history);
    const std::string config = dir_.Sub(name + ".yaml");
    std::ofstream(config) << "kafka:\n  brokers: \"" << broker_->bootstrap_servers()
                          << "\"\n  topics: [" << topic << "]\n  group_id: g-" << topic
                          << "\n  auto_offset_reset: error\n  session_timeout_ms: 3000\n"
                          << "  heartbeat_interval_ms: 500\nstorage:\n  path: " << dir_.Sub(name)
                          << "\n  sync_writes: true\n"
                          << "ingest:\n  batch_max_events: " << EnvInt("SEGD_CRASH_BATCH", 20)
                          << "\n  batch_linger_ms: 5\n"
                          << "http:\n  bind: \"127.0.0.1:0\"\n"
                          << "model:\n  k: 3\n  n_init: 2\n  bootstrap_min_customers: 500\n"
                          << "  live_batch_events: 100\n"
                          << "drift:\n  every_seconds: 3600\n  every_event_days: 14\n"
                          << "  refit_every: 4\n  threshold: 0.99\n";
    const std::string log = dir_.Sub(name + ".log");
    std::mt19937_64 rng(seed);
    int done = 0;
    while (done < kills) {
      const uint64_t before = StoredConsumed(dir_.Sub(name));
      if (before >= history.size()) break;
      ChildProcess segd({kSegd, "--config", config, "run"}, {}, log);
      // Kill once it has made progress, plus a random 0..150 ms.
      for (int i = 0; i < 2000 && StoredConsumed(dir_.Sub(name)) == before; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (segd.Wait(std::chrono::milliseconds(0)).has_value()) {
          ADD_FAILURE() << "segd exited on its own:\n" << ReadFile(log);
          return done;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 150));
      segd.Signal(SIGKILL);
      EXPECT_TRUE(segd.Wait(std::chrono::seconds(30)).has_value());
      ++done;
    }
    ChildProcess last({kSegd, "--config", config, "run", "--exit-when-caught-up"}, {}, log);
    auto code = last.Wait(std::chrono::seconds(600));
    EXPECT_TRUE(code.has_value() && *code == 0) << ReadFile(log).substr(0, 20000);
    return done;
  }

  void ExpectExactlyOnce(const std::vector<KeyedEvent>& history, const std::string& name) {
    auto expected = ExpectedState(history);
    StorageOptions o;
    o.path = dir_.Sub(name);
    o.read_only = true;
    auto store = OpenRocksDbStateStore(o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(Customers(**store), Customers(*expected));
    EXPECT_EQ(AllRecords(**store), AllRecords(*expected));
    uint64_t applied = 0, duplicates = 0, rejected = 0, consumed = 0;
    std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
    ASSERT_TRUE((*store)->ReadProgress(&progress).ok());
    for (const auto& [tp, p] : progress) {
      applied += p.applied;
      duplicates += p.duplicates;
      rejected += p.rejected;
      consumed += uint64_t(p.next_offset);
    }
    EXPECT_EQ(consumed, history.size());
    EXPECT_EQ(applied, history.size());  // each event applied exactly once overall
    EXPECT_EQ(duplicates, 0u);
    EXPECT_EQ(rejected, 0u);
  }
};

TEST_F(CrashCampaignTest, RandomKillsAcrossPartitionsLoseAndDoubleNothing) {
  const int customers = EnvInt("SEGD_CRASH_CUSTOMERS", 3000);
  const int kills = EnvInt("SEGD_CRASH_KILLS", 4);
  const int partitions = EnvInt("SEGD_CRASH_PARTITIONS", 4);
  const auto history = Generate(customers, 17);
  const int done = Campaign(history, partitions, kills, "multi", 1);
  std::printf("campaign: %zu events, %d partitions, %d kills\n", history.size(), partitions, done);
  EXPECT_GE(done, std::min(kills, 2)) << "segd finished before the kills";
  ExpectExactlyOnce(history, "multi");
}

TEST_F(CrashCampaignTest, RandomKillsOnOnePartitionKeepTheModelsBitForBit) {
  const int customers = EnvInt("SEGD_CRASH_SINGLE_CUSTOMERS", 3000);  // ~5 MiB partition limit
  const int kills = EnvInt("SEGD_CRASH_SINGLE_KILLS", 4);
  const auto history = Generate(customers, 23);
  const int done = Campaign(history, 1, kills, "single", 2);
  std::printf("campaign: %zu events, 1 partition, %d kills\n", history.size(), done);
  EXPECT_GE(done, std::min(kills, 2));
  ExpectExactlyOnce(history, "single");

  // Uninterrupted reference, in process, same model and drift options.
  MemoryStateStore reference;
  NoDeadLetters dlq;
  IngestStats stats;
  std::vector<std::string> want_drift;
  {
    IngestPipeline p({}, &reference, &dlq, &stats, [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    });
    ModelLifecycleOptions o{.live = {.batch_events = 100, .minibatch = {.half_life_days = 30}},
                            .train = {.k = 3, .n_init = 2},
                            .bootstrap_min_customers = 500};
    DriftMonitor drift(kDrift, &reference, &p, &stats);
    ASSERT_TRUE(p.Load(o).ok());
    std::vector<RawMessage> messages;
    for (size_t i = 0; i < history.size(); ++i) {
      messages.push_back({last_topic_, 0, int64_t(i), true, history[i].key, history[i].json});
    }
    ASSERT_TRUE(p.Process(messages).ok());
    want_drift = DriftHistoryWithoutWallClock(drift.history());
  }
  StorageOptions o;
  o.path = dir_.Sub("single");
  o.read_only = true;
  auto store = OpenRocksDbStateStore(o);
  ASSERT_TRUE(store.ok());
  auto got = LoadCurrentBaseline(**store);
  auto want = LoadCurrentBaseline(reference);
  ASSERT_TRUE(got.ok() && got->has_value() && want.ok() && want->has_value());
  (*got)->trained_unix_ms = (*want)->trained_unix_ms = 0;
  EXPECT_EQ((*got)->Encode(), (*want)->Encode());
  EXPECT_EQ(*(*store)->GetMeta("model/live"), *reference.GetMeta("model/live"));
  // The event-time drift evaluations: the same boundaries, values and policy states, although
  // segd was killed in the middle of some and restarted.
  const DriftHistory got_drift(store->get(), {.keep = 0});
  EXPECT_GT(want_drift.size(), 20u);
  EXPECT_EQ(DriftHistoryWithoutWallClock(got_drift), want_drift);
}

}  // namespace
}  // namespace segd::testing
