// Rebalance campaign: two and three segd processes in one consumer group, each with its own
// data directory, share a topic; one is stopped mid-stream (SIGTERM with two, SIGKILL with
// three) and started again later, so partitions move away and back. Each instance keeps the
// state of the partitions it consumed; a partition's current owner (the instance whose stored
// offset is the partition's end) must hold exactly the state of applying each of its events
// once: customers, order records and per-partition counters, even when the partition moved
// away and came back (the owner then resumes from its own stored offset).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <set>

#include "integration/kafka_test_env.h"
#include "testing/child_process.h"

namespace segd::testing {
namespace {

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";
constexpr int kPartitions = 6;

int PartitionOf(const std::string& key) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : key) h = (h ^ c) * 16777619u;
  return static_cast<int>(h % kPartitions);
}

class RebalanceTest : public KafkaTestEnv {
 protected:
  struct Instance {
    std::string state, config, log;
    std::unique_ptr<ChildProcess> process;
  };

  void Campaign(int instances, int stop_signal) {
    const std::string topic = NewTopic(kPartitions);
    const std::vector<KeyedEvent> history = MakeHistory(1500, 40 + instances);
    std::vector<std::vector<KeyedEvent>> by_partition(kPartitions);
    for (const KeyedEvent& e : history) by_partition[PartitionOf(e.key)].push_back(e);

    std::vector<Instance> fleet(instances);
    for (int i = 0; i < instances; ++i) {
      Instance& in = fleet[i];
      const std::string name = "i" + std::to_string(i);
      in.state = dir_.Sub(name);
      in.config = dir_.Sub(name + ".yaml");
      in.log = dir_.Sub(name + ".log");
      std::ofstream(in.config) << "kafka:\n  brokers: \"" << broker_->bootstrap_servers()
                               << "\"\n  topics: [" << topic << "]\n  group_id: g-" << topic
                               << "\n  client_id: segd-" << name
                               << "\n  auto_offset_reset: error\n  session_timeout_ms: 3000\n"
                               << "  heartbeat_interval_ms: 500\nstorage:\n  path: " << in.state
                               << "\ningest:\n  batch_max_events: 50\n  batch_linger_ms: 5\n"
                               << "http:\n  bind: \"127.0.0.1:0\"\n";
    }
    auto start = [&](Instance& in) {
      in.process = std::make_unique<ChildProcess>(
          std::vector<std::string>{kSegd, "--config", in.config, "run"}, std::vector<std::string>{},
          in.log);
    };
    for (Instance& in : fleet) start(in);

    auto producer = NewKafkaProducer({broker_->bootstrap_servers(), "test-producer", {}});
    ASSERT_TRUE(producer.ok());
    std::vector<int64_t> produced(kPartitions, 0);
    size_t next = 0;
    auto produce_until = [&](size_t end) {
      for (; next < end; ++next) {
        const int p = PartitionOf(history[next].key);
        ASSERT_TRUE((*producer)->Produce(topic, p, history[next].key, history[next].json).ok());
        ++produced[p];
      }
      ASSERT_TRUE((*producer)->Flush(30000).ok());
    };
    // Every produced event is committed by some instance (the furthest one per partition).
    auto wait_covered = [&](const char* phase) {
      for (int i = 0; i < 1200; ++i) {
        std::vector<int64_t> furthest(kPartitions, 0);
        for (const Instance& in : fleet) {
          for (const auto& [tp, p] : StoredProgress(in.state)) {
            furthest[tp.partition] = std::max(furthest[tp.partition], p.next_offset);
          }
        }
        if (furthest == produced) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      ADD_FAILURE() << phase << ": not consumed in 60 s\n" << ReadFile(fleet[0].log);
    };

    produce_until(history.size() / 3);
    wait_covered("all instances");
    // One instance stops; the others take its partitions over mid-stream.
    fleet[0].process->Signal(stop_signal);
    auto code = fleet[0].process->Wait(std::chrono::seconds(30));
    ASSERT_TRUE(code.has_value());
    if (stop_signal == SIGTERM) {
      EXPECT_EQ(*code, 0) << ReadFile(fleet[0].log);
    }
    produce_until(2 * history.size() / 3);
    wait_covered("one stopped");
    // It comes back and gets partitions again: some it had before, now behind.
    start(fleet[0]);
    std::this_thread::sleep_for(std::chrono::seconds(4));  // lets the group rebalance first
    produce_until(history.size());
    wait_covered("restarted");
    for (Instance& in : fleet) in.process->Signal(SIGTERM);
    for (Instance& in : fleet) {
      auto c = in.process->Wait(std::chrono::seconds(30));
      ASSERT_TRUE(c.has_value());
      EXPECT_EQ(*c, 0) << ReadFile(in.log);
    }

    int moved = 0;  // (instance, partition) pairs beyond one per partition: partitions moved
    for (int p = 0; p < kPartitions; ++p) {
      auto expected = ExpectedState(by_partition[p]);
      const auto want = Customers(*expected);
      int owners = 0;
      for (const Instance& in : fleet) {
        StorageOptions o;
        o.path = in.state;
        o.read_only = true;
        auto store = OpenRocksDbStateStore(o);
        ASSERT_TRUE(store.ok()) << store.status().ToString();
        std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
        ASSERT_TRUE((*store)->ReadProgress(&progress).ok());
        for (const auto& [tp, pp] : progress) {
          if (tp.partition != p) continue;
          ++moved;
          if (pp.next_offset != produced[p]) continue;  // a former owner, left behind
          ++owners;
          EXPECT_EQ(pp.applied, by_partition[p].size()) << "partition " << p;
          EXPECT_EQ(pp.duplicates, 0u);
          EXPECT_EQ(pp.rejected, 0u);
          std::map<std::string, CustomerState> got;
          for (const auto& [id, state] : Customers(**store)) {
            if (want.contains(id)) got.emplace(id, state);
          }
          EXPECT_EQ(got, want) << "partition " << p << " in " << in.state;
          for (const auto& [id, state] : want) {
            std::vector<std::optional<CustomerRecord>> got_record, want_record;
            ASSERT_TRUE((*store)->GetRecords({id}, &got_record).ok());
            ASSERT_TRUE(expected->GetRecords({id}, &want_record).ok());
            EXPECT_EQ(got_record[0], want_record[0]) << id;  // orders and event ids too
          }
        }
      }
      EXPECT_GE(owners, 1) << "partition " << p << " has no instance at its end";
    }
    moved -= kPartitions;
    EXPECT_GT(moved, 0) << "no partition ever changed instance";
    std::printf("rebalance: %d instances, %zu events, %d partition moves seen in the stores\n",
                instances, history.size(), moved);
  }
};

TEST_F(RebalanceTest, TwoInstancesOneStoppedAndRestartedApplyEachEventOnce) {
  Campaign(2, SIGTERM);
}

TEST_F(RebalanceTest, ThreeInstancesOneKilledAndRestartedApplyEachEventOnce) {
  Campaign(3, SIGKILL);
}

}  // namespace
}  // namespace segd::testing
