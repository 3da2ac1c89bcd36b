// Storage faults: at start, a data directory locked by another segd, a corrupted store, a path
// that cannot be a directory (segd must refuse to consume, exit 1 and say why, and leave the
// store unchanged); mid-stream, a full disk.
#include <gtest/gtest.h>
#include <sys/statvfs.h>

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

// The data directory fills up mid-stream (a real 64 MiB tmpfs that another file fills): segd
// refuses the next commit, stops consuming and exits 1 naming the directory, with exactly the
// events before the disk filled committed (never an offset past an unapplied event). With space
// again, a restart applies the rest: nothing lost, nothing doubled. Mounting needs
// CAP_SYS_ADMIN (root in the CI container); without it the test is skipped and says so.
TEST_F(StorageFaultTest, FullDiskStopsConsumptionAndARestartWithSpaceLosesNothing) {
  const std::string topic = NewTopic(1);
  const auto history = MakeHistory(2000, 91);
  const size_t half = history.size() / 2;
  Produce(topic, std::vector<KeyedEvent>(history.begin(), history.begin() + half));
  const std::string mnt = dir_.Sub("small");
  std::filesystem::create_directories(mnt);
  if (std::system(("mount -t tmpfs -o size=64m segd-test " + mnt + " 2>/dev/null").c_str()) != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (needs CAP_SYS_ADMIN)";
  }
  struct Unmount {
    std::string dir;
    ~Unmount() { (void)!std::system(("umount " + dir).c_str()); }
  } unmount{mnt};
  const std::string state = mnt + "/state";
  const std::string config = dir_.Sub("full.yaml");
  std::ofstream(config) << "kafka:\n  brokers: \"" << broker_->bootstrap_servers()
                        << "\"\n  topics: [" << topic << "]\n  group_id: g-" << topic
                        << "\n  auto_offset_reset: error\n  session_timeout_ms: 3000\n"
                        << "  heartbeat_interval_ms: 500\nstorage:\n  path: " << state
                        << "\n  write_buffer_mb: 4\n  block_cache_mb: 8\n  min_free_mb: 16\n"
                        << "http:\n  bind: \"127.0.0.1:0\"\n";
  const std::string log = dir_.Sub("full.log");
  ChildProcess segd({kSegd, "--config", config, "run"}, {}, log);
  for (int i = 0; i < 600 && StoredConsumed(state) < half; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(StoredConsumed(state), half) << ReadFile(log);

  // Another file takes the disk down to 8 MiB free; the second half arrives.
  struct statvfs st {};
  ASSERT_EQ(statvfs(mnt.c_str(), &st), 0);
  const int64_t fill = static_cast<int64_t>(st.f_bavail) * st.f_frsize - (8 << 20);
  ASSERT_GT(fill, 0);
  {
    std::ofstream filler(mnt + "/filler", std::ios::binary);
    const std::string mib(1 << 20, 'x');
    for (int64_t n = 0; n < fill; n += mib.size()) {
      filler.write(mib.data(), std::min<int64_t>(mib.size(), fill - n));
    }
  }
  Produce(topic, std::vector<KeyedEvent>(history.begin() + half, history.end()));
  auto code = segd.Wait(std::chrono::seconds(60));
  ASSERT_TRUE(code.has_value()) << "segd kept running on a full disk\n" << ReadFile(log);
  EXPECT_EQ(*code, 1) << ReadFile(log);
  EXPECT_NE(ReadFile(log).find("below storage.min_free_mb"), std::string::npos) << ReadFile(log);

  // Exactly the first half is committed, and the state is that of the first half.
  const auto progress = StoredProgress(state);
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0].second.next_offset, static_cast<int64_t>(half));
  EXPECT_EQ(progress[0].second.applied, half);
  const std::vector<KeyedEvent> first(history.begin(), history.begin() + half);
  EXPECT_EQ(StoredCustomers(state), Customers(*ExpectedState(first)));

  // Space again: a restart applies the rest.
  std::filesystem::remove(mnt + "/filler");
  ChildProcess again({kSegd, "--config", config, "run", "--exit-when-caught-up"}, {},
                     dir_.Sub("again.log"));
  EXPECT_EQ(again.Wait(std::chrono::seconds(60)).value_or(-1), 0)
      << ReadFile(dir_.Sub("again.log"));
  const auto after = StoredProgress(state);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].second.next_offset, static_cast<int64_t>(history.size()));
  EXPECT_EQ(after[0].second.applied, history.size());
  EXPECT_EQ(after[0].second.duplicates, 0u);
  EXPECT_EQ(StoredCustomers(state), Customers(*ExpectedState(history)));
}

}  // namespace
}  // namespace segd::testing
