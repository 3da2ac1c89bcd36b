// Disaster recovery as an operator runs it (issue 15, "done when": a backup taken during ingest
// restores to a state that, after catching up, equals the reference). A child segd consumes a
// history from the mock cluster; `segd backup` (another process) backs its store up while it
// consumes, through the daemon's admin endpoint; the daemon is SIGKILLed and its directory
// deleted; `segd restore` brings the backup back and `segd run` catches up from the backup's
// offsets, from the source alone or (changelog.enabled) from the changelog first: every
// customer's state and order records, and the counters, equal the domain code's reference for
// the whole history (each event applied exactly once).
//
// CI size: 4,000 customers (~9,000 events) on 2 partitions. Bigger:
//   SEGD_BACKUP_CUSTOMERS=20000 SEGD_BACKUP_PARTITIONS=8
//   build/tests/integration/backup_integration_test
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "integration/kafka_test_env.h"
#include "testing/child_process.h"
#include "testing/http_get.h"

namespace segd::testing {
namespace {

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";
const std::string kToken = "SEGD_ADMIN_TOKEN=backup-test-token";

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class BackupIntegrationTest : public KafkaTestEnv {
 protected:
  // Small synced batches keep consumption slow enough to back up mid-stream. A fixed port, so
  // that `segd backup` finds the daemon from http.bind as an operator's would.
  std::string WriteConfig(const SegdConfig& c, int port, bool changelog = true) {
    const std::string path = dir_.Sub("segd.yaml");
    std::ofstream(path) << "kafka:\n  brokers: \"" << c.kafka.brokers << "\"\n  topics: ["
                        << c.kafka.topics[0] << "]\n  group_id: " << c.kafka.group_id
                        << "\n  auto_offset_reset: error\n  session_timeout_ms: 3000\n"
                        << "  heartbeat_interval_ms: 500\nstorage:\n  path: " << c.storage.path
                        << "\n  sync_writes: true\n  block_cache_mb: 8\n  write_buffer_mb: 4\n"
                        << "ingest:\n  batch_max_events: 25\n  batch_linger_ms: 5\n"
                        << "http:\n  bind: \"127.0.0.1:" << port << "\"\n"
                        << "changelog:\n  enabled: " << (changelog ? "true" : "false") << "\n";
    return path;
  }

  // Runs one `segd` command to its end; returns its exit code (-1: still running after
  // `timeout`) and its output in *out.
  int Segd(const std::vector<std::string>& args, std::string* out,
           std::chrono::seconds timeout = std::chrono::seconds(60)) {
    const std::string log = dir_.Sub("command-" + std::to_string(commands_++) + ".log");
    std::vector<std::string> argv = {kSegd};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess p(argv, {kToken}, log);
    const auto code = p.Wait(timeout);
    *out = ReadFile(log);
    return code.value_or(-1);
  }

  // The per-partition next offsets a `segd backup` or `segd restore` printed.
  static std::map<int, int64_t> PrintedOffsets(const std::string& out, const std::string& topic) {
    std::map<int, int64_t> offsets;
    const std::regex line("\n  " + topic + R"(\[(\d+)\]\s+(\d+) )");
    for (std::sregex_iterator it(out.begin(), out.end(), line), end; it != end; ++it) {
      offsets[std::stoi((*it)[1])] = std::stoll((*it)[2]);
    }
    return offsets;
  }

  // The disaster and the recovery; with `changelog`, the restored store is brought forward
  // from the changelog first (its partitions' changelog holds more than the backup).
  void BackupRestoreAndCatchUp(bool changelog);

  int commands_ = 0;
};

void BackupIntegrationTest::BackupRestoreAndCatchUp(bool changelog) {
  const int customers = EnvInt("SEGD_BACKUP_CUSTOMERS", 4000);
  const int partitions = EnvInt("SEGD_BACKUP_PARTITIONS", 2);
  const std::string topic = NewTopic(partitions);
  const auto history = MakeHistory(customers, 11);
  Produce(topic, history);
  SegdConfig c = Config(topic, dir_.Sub("state"));
  const int port = FreePort();
  const std::string config = WriteConfig(c, port, changelog);
  const std::string backups = dir_.Sub("backups"), log = dir_.Sub("segd.log");

  std::string backup_out;
  {
    ChildProcess segd({kSegd, "--config", config, "run"}, {kToken}, log);
    uint64_t consumed = 0;
    for (int i = 0; i < 1200 && consumed < history.size() / 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ASSERT_FALSE(segd.Wait(std::chrono::milliseconds(0)).has_value()) << "segd exited early:\n"
                                                                        << ReadFile(log);
      consumed = StoredConsumed(c.storage.path);
    }
    ASSERT_GT(consumed, 0u) << "segd consumed nothing:\n" << ReadFile(log);
    ASSERT_LT(consumed, history.size()) << "segd finished before the backup";

    // What an operator runs on the host while segd consumes.
    ASSERT_EQ(Segd({"--config", config, "backup", backups}, &backup_out), 0) << backup_out;
    EXPECT_NE(backup_out.find("backup 1 of " + c.storage.path + " added to " + backups),
              std::string::npos)
        << backup_out;
    EXPECT_NE(backup_out.find("(running)"), std::string::npos) << backup_out;  // the daemon's
    ASSERT_FALSE(segd.Wait(std::chrono::milliseconds(0)).has_value()) << ReadFile(log);
    EXPECT_LT(StoredConsumed(c.storage.path) - consumed, history.size());  // still consuming
    const std::string metrics = HttpRequest(port, "GET", "/metrics").body;
    EXPECT_NE(metrics.find("segd_backups_total{result=\"success\"} 1"), std::string::npos);
    EXPECT_GT(MetricValue(metrics, "segd_backup_last_success_timestamp_seconds"), 1.6e9);

    // A restore while segd runs there is refused, even with --force, and changes nothing.
    std::string refused;
    EXPECT_EQ(Segd({"--config", config, "restore", "--force", backups}, &refused), 1);
    EXPECT_NE(refused.find("a segd is running"), std::string::npos) << refused;
    ASSERT_FALSE(segd.Wait(std::chrono::milliseconds(0)).has_value()) << ReadFile(log);

    segd.Signal(SIGKILL);  // the machine dies...
    ASSERT_TRUE(segd.Wait(std::chrono::seconds(30)).has_value());
  }
  std::filesystem::remove_all(c.storage.path);  // ... with its disk

  std::string restore_out;
  ASSERT_EQ(Segd({"--config", config, "restore", backups}, &restore_out), 0) << restore_out;
  // The restored offsets are the ones the backup printed, and mid-stream: 0 < offset < end.
  const auto printed = PrintedOffsets(backup_out, topic);
  EXPECT_EQ(PrintedOffsets(restore_out, topic), printed) << restore_out;
  const auto restored = StoredProgress(c.storage.path);
  ASSERT_FALSE(restored.empty());
  uint64_t from = 0, applied = 0;
  for (const auto& [tp, p] : restored) {
    EXPECT_EQ(printed.at(tp.partition), p.next_offset) << tp.partition;
    from += uint64_t(p.next_offset);
    applied += p.applied;
  }
  EXPECT_GT(from, 0u);
  EXPECT_LT(from, history.size());
  EXPECT_EQ(applied, from);  // the backup holds whole batches: its state matches its offsets
  std::printf("%s%sbackup at %llu of %zu events\n", backup_out.c_str(), restore_out.c_str(),
              (unsigned long long)from, history.size());

  // A normal start on the restored store catches up. The source still holds every event after
  // the backup's offsets, so with the changelog on segd consumes them rather than restoring
  // records (the models follow the events); a source cut below them would make it restore.
  const size_t log_before = ReadFile(log).size();
  ChildProcess resumed({kSegd, "--config", config, "run", "--exit-when-caught-up"}, {kToken}, log);
  auto code = resumed.Wait(std::chrono::seconds(180));
  ASSERT_TRUE(code.has_value()) << "restored segd did not catch up:\n" << ReadFile(log);
  ASSERT_EQ(*code, 0) << ReadFile(log);
  const std::string resumed_log = ReadFile(log).substr(log_before);
  EXPECT_EQ(resumed_log.find("restoring from the changelog"), std::string::npos) << resumed_log;
  EXPECT_EQ(resumed_log.find("instead of restoring") != std::string::npos, changelog)
      << resumed_log;

  const auto expected = ExpectedState(history);
  StorageOptions o;
  o.path = c.storage.path;
  o.read_only = true;
  {
    auto store = OpenRocksDbStateStore(o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(Customers(**store), Customers(*expected));
    EXPECT_EQ(AllRecords(**store), AllRecords(*expected));
  }
  uint64_t consumed = 0, total_applied = 0, duplicates = 0;
  for (const auto& [tp, p] : StoredProgress(c.storage.path)) {
    consumed += uint64_t(p.next_offset);
    total_applied += p.applied;
    duplicates += p.duplicates;
  }
  EXPECT_EQ(consumed, history.size());
  EXPECT_EQ(total_applied, history.size());  // each event applied exactly once overall
  EXPECT_EQ(duplicates, 0u);

  // With no segd running, `segd backup` opens the store itself; --keep prunes.
  std::string offline;
  ASSERT_EQ(Segd({"--config", config, "backup", "--keep", "1", backups}, &offline), 0) << offline;
  EXPECT_NE(offline.find("(segd stopped)"), std::string::npos) << offline;
  EXPECT_NE(offline.find("backups in " + backups + ": 2\n"), std::string::npos) << offline;
  uint64_t printed_total = 0;
  for (const auto& [partition, offset] : PrintedOffsets(offline, topic)) printed_total += offset;
  EXPECT_EQ(printed_total, history.size());
}

TEST_F(BackupIntegrationTest, BackupDuringIngestRestoresAndCatchesUpFromTheSource) {
  BackupRestoreAndCatchUp(/*changelog=*/false);
}

TEST_F(BackupIntegrationTest, BackupDuringIngestRestoresAndCatchesUpFromChangelogAndSource) {
  BackupRestoreAndCatchUp(/*changelog=*/true);
}

TEST_F(BackupIntegrationTest, CommandsExplainWhatIsWrong) {
  const std::string topic = NewTopic(1);
  SegdConfig c = Config(topic, dir_.Sub("state"));
  const std::string config = WriteConfig(c, FreePort());
  std::string out;
  EXPECT_EQ(Segd({"--config", config, "backup", dir_.Sub("b")}, &out), 1);
  EXPECT_NE(out.find("no state store at " + c.storage.path), std::string::npos) << out;
  EXPECT_EQ(Segd({"--config", config, "restore", dir_.Sub("nowhere")}, &out), 1);
  EXPECT_NE(out.find(dir_.Sub("nowhere") + " holds no segd backup"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(c.storage.path));
  EXPECT_NE(Segd({"--config", config, "restore", "--backup-id", "0", dir_.Sub("b")}, &out), 0);
}

}  // namespace
}  // namespace segd::testing
