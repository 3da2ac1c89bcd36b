// segd as a child process, stopped (SIGTERM) or killed (SIGKILL) mid-stream and restarted: the
// final state must equal an uninterrupted run's.
#include <gtest/gtest.h>

#include <fstream>

#include "integration/kafka_test_env.h"
#include "testing/child_process.h"

namespace segd::testing {
namespace {

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";

class RestartIntegrationTest : public KafkaTestEnv {
 protected:
  // Writes a config file for the child; small synced batches make consumption slow enough to
  // be interrupted mid-stream.
  std::string WriteConfig(const SegdConfig& c) {
    const std::string path = dir_.Sub("segd.yaml");
    std::ofstream(path) << "kafka:\n  brokers: \"" << c.kafka.brokers << "\"\n  topics: ["
                        << c.kafka.topics[0] << "]\n  group_id: " << c.kafka.group_id
                        << "\n  auto_offset_reset: error\n  session_timeout_ms: 3000\n"
                        << "  heartbeat_interval_ms: 500\nstorage:\n  path: " << c.storage.path
                        << "\n  sync_writes: true\n  block_cache_mb: 8\n  write_buffer_mb: 4\n"
                        << "ingest:\n  batch_max_events: 25\n  batch_linger_ms: 5\n"
                        << "http:\n  bind: \"127.0.0.1:0\"\n";
    return path;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  static uint64_t Consumed(const std::string& state) {
    uint64_t n = 0;
    for (const auto& [tp, p] : StoredProgress(state)) n += static_cast<uint64_t>(p.next_offset);
    return n;
  }

  // Starts segd, interrupts it with `sig` once it has consumed part of the topic, then runs it
  // to the end. Returns the state it ends with.
  void InterruptAndResume(int sig) {
    const std::string topic = NewTopic(2);
    const auto history = MakeHistory(4000, 7);
    Produce(topic, history);
    SegdConfig c = Config(topic, dir_.Sub("state"));
    const std::string config = WriteConfig(c);
    const std::string log = dir_.Sub("segd.log");
    {
      ChildProcess segd({kSegd, "--config", config, "run"}, {}, log);
      uint64_t consumed = 0;
      for (int i = 0; i < 600 && consumed < history.size() / 5; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ASSERT_FALSE(segd.Wait(std::chrono::milliseconds(0)).has_value()) << "segd exited early:\n"
                                                                          << ReadFile(log);
        consumed = Consumed(c.storage.path);
      }
      ASSERT_GT(consumed, 0u) << "segd consumed nothing:\n" << ReadFile(log);
      ASSERT_LT(consumed, history.size()) << "segd finished before it could be interrupted";
      segd.Signal(sig);
      auto code = segd.Wait(std::chrono::seconds(30));
      ASSERT_TRUE(code.has_value());
      EXPECT_EQ(*code, sig == SIGKILL ? 128 + SIGKILL : 0);
    }
    ChildProcess resumed({kSegd, "--config", config, "run", "--exit-when-caught-up"}, {}, log);
    auto code = resumed.Wait(std::chrono::seconds(120));
    ASSERT_TRUE(code.has_value()) << "resumed segd did not catch up:\n" << ReadFile(log);
    EXPECT_EQ(*code, 0);

    EXPECT_EQ(Consumed(c.storage.path), history.size());
    EXPECT_EQ(StoredCustomers(c.storage.path), Customers(*ExpectedState(history)));
    uint64_t applied = 0, duplicates = 0;
    for (const auto& [tp, p] : StoredProgress(c.storage.path)) {
      applied += p.applied;
      duplicates += p.duplicates;
    }
    EXPECT_EQ(applied, history.size());  // each event applied exactly once overall
    EXPECT_EQ(duplicates, 0u);
  }
};

TEST_F(RestartIntegrationTest, CleanStopMidStreamResumesFromStoredOffsets) {
  InterruptAndResume(SIGTERM);
}

TEST_F(RestartIntegrationTest, KillMidStreamResumesFromStoredOffsets) {
  InterruptAndResume(SIGKILL);
}

}  // namespace
}  // namespace segd::testing
