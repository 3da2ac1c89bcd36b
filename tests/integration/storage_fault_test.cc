// Storage faults at start: a data directory locked by another segd, a corrupted store, a path
// that cannot be a directory. segd must refuse to consume, exit 1 and say why, and the store it
// could open must be unchanged.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "integration/kafka_test_env.h"
#include "testing/child_process.h"

namespace segd::testing {
namespace {

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";

// The store's files, without RocksDB's own info logs (LOG, LOG.old.*), which any open writes.
std::set<std::string> DataFiles(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!name.starts_with("LOG")) out.insert(name);
  }
  return out;
}

class StorageFaultTest : public KafkaTestEnv {
 protected:
  std::string WriteConfig(const std::string& topic, const std::string& state) {
    const std::string path = dir_.Sub("segd-" + std::to_string(configs_++) + ".yaml");
    std::ofstream(path) << "kafka:\n  brokers: \"" << broker_->bootstrap_servers()
                        << "\"\n  topics: [" << topic << "]\n  group_id: g-" << topic
                        << "\n  session_timeout_ms: 3000\n  heartbeat_interval_ms: 500\n"
                        << "storage:\n  path: " << state << "\nhttp:\n  bind: \"127.0.0.1:0\"\n";
    return path;
  }

  // Runs segd to completion (it must fail fast) and returns (exit code, log).
  std::pair<int, std::string> RunFailing(const std::string& config) {
    const std::string log = dir_.Sub("fail-" + std::to_string(configs_) + ".log");
    ChildProcess segd({kSegd, "--config", config, "run", "--exit-when-caught-up"}, {}, log);
    auto code = segd.Wait(std::chrono::seconds(30));
    return {code.value_or(-1), ReadFile(log)};
  }

  int configs_ = 0;
};

TEST_F(StorageFaultTest, SecondSegdOnALockedStoreExitsWithTheReason) {
  const std::string topic = NewTopic(1);
  Produce(topic, MakeHistory(200, 81));
  const std::string state = dir_.Sub("state");
  const std::string config = WriteConfig(topic, state);
  ChildProcess first({kSegd, "--config", config, "run"}, {}, dir_.Sub("first.log"));
  for (int i = 0; i < 200 && !std::filesystem::exists(state + "/LOCK"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  auto [code, log] = RunFailing(config);
  EXPECT_EQ(code, 1);
  EXPECT_NE(log.find("cannot open state store"), std::string::npos) << log;
  EXPECT_NE(log.find("lock"), std::string::npos) << log;
  first.Signal(SIGTERM);
  EXPECT_EQ(first.Wait(std::chrono::seconds(30)).value_or(-1), 0);
}

TEST_F(StorageFaultTest, CorruptedStoreIsRefusedAndLeftAsItWas) {
  const std::string topic = NewTopic(1);
  const auto history = MakeHistory(200, 82);
  Produce(topic, history);
  const std::string state = dir_.Sub("state");
  const std::string config = WriteConfig(topic, state);
  {
    ChildProcess segd({kSegd, "--config", config, "run", "--exit-when-caught-up"}, {},
                      dir_.Sub("ok.log"));
    ASSERT_EQ(segd.Wait(std::chrono::seconds(60)).value_or(-1), 0) << ReadFile(dir_.Sub("ok.log"));
  }
  // Overwrite the manifest that CURRENT names with garbage.
  std::string manifest = ReadFile(state + "/CURRENT");
  while (!manifest.empty() && manifest.back() == '\n') manifest.pop_back();
  ASSERT_FALSE(manifest.empty());
  std::ofstream(state + "/" + manifest, std::ios::trunc) << "this is not a RocksDB manifest";
  const auto files_before = DataFiles(state);
  auto [code, log] = RunFailing(config);
  EXPECT_EQ(code, 1);
  EXPECT_NE(log.find("cannot open state store"), std::string::npos) << log;
  EXPECT_EQ(log.find("partitions assigned"), std::string::npos) << "segd consumed: " << log;
  EXPECT_EQ(DataFiles(state), files_before);
  EXPECT_EQ(ReadFile(state + "/" + manifest), "this is not a RocksDB manifest");
}

TEST_F(StorageFaultTest, StatePathThatIsAFileIsRefused) {
  const std::string topic = NewTopic(1);
  const std::string state = dir_.Sub("not-a-dir");
  std::ofstream(state) << "a file";
  auto [code, log] = RunFailing(WriteConfig(topic, state));
  EXPECT_EQ(code, 1);
  EXPECT_NE(log.find("cannot open state store"), std::string::npos) << log;
  EXPECT_NE(log.find(state), std::string::npos) << "the message names the path: " << log;
}

}  // namespace
}  // namespace segd::testing
