// Broker-fault campaign: a child segd consumes a topic spread over a three-broker dev cluster
// while the test injects the faults production brings, one phase at a time: Fetch,
// OffsetCommit and Heartbeat request errors, dead-letter Produce errors (retriable and not),
// partition leader moves, a group coordinator move, and every broker down then up again. After
// each phase the test produces more events and waits for segd to commit them. At the end every
// customer's state and order records equal the reference (each good event applied exactly
// once), every bad event is on the dead-letter topic with its reason, readiness went to 503
// while no broker was reachable and came back by itself.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <fstream>
#include <set>

#include "integration/kafka_test_env.h"
#include "segd/kafka/topic_reader.h"
#include "testing/child_process.h"
#include "testing/http_get.h"

namespace segd::testing {
namespace {

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";
constexpr int kBrokers = 3;
constexpr int kPartitions = 6;

class BrokerFaultTest : public KafkaTestEnv {
 protected:
  static void SetUpTestSuite() {
    auto b = DevBroker::Start(kBrokers);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    broker_ = std::move(*b).release();
  }

  // Waits until segd has committed `n` messages; false after `timeout_s`.
  bool WaitConsumed(uint64_t n, int timeout_s = 60) {
    const auto start = std::chrono::steady_clock::now();
    struct Report {
      std::chrono::steady_clock::time_point start;
      ~Report() {
        std::printf(
            "phase took %.1f s\n",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      }
    } report{start};
    for (int i = 0; i < timeout_s * 20; ++i) {
      if (StoredConsumed(state_) >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // /readyz's status within `timeout_s`, once it equals `want` (else the last one seen).
  int WaitReadyz(int port, int want, int timeout_s) {
    int status = 0;
    for (int i = 0; i < timeout_s * 10 && status != want; ++i) {
      status = HttpRequest(port, "GET", "/readyz").status;
      if (status != want) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return status;
  }

  std::string state_;
};

TEST_F(BrokerFaultTest, FaultsLoseNothingDoubleNothingAndRecoverByThemselves) {
  const std::string topic = NewTopic(kPartitions);
  const std::string group = "g-" + topic;
  state_ = dir_.Sub("state");

  // The history, with a bad event every 50 (not JSON, or missing its subject), in 8 chunks.
  const std::vector<KeyedEvent> good = InEventTimeOrder(MakeHistory(1200, 5));
  std::vector<std::pair<std::string, std::string>> stream;  // key, value
  std::set<std::string> bad_values;
  for (size_t i = 0; i < good.size(); ++i) {
    if (i % 50 == 25) {
      const std::string bad =
          i % 100 == 25 ? "{\"specversion\":\"1.0\",\"id\":\"bad-" + std::to_string(i) + "\""
                        : R"({"specversion":"1.0","id":"bad-)" + std::to_string(i) + R"("})";
      stream.emplace_back(good[i].key, bad);
      bad_values.insert(bad);
    }
    stream.emplace_back(good[i].key, good[i].json);
  }
  constexpr int kChunks = 8;
  const size_t chunk = stream.size() / kChunks + 1;
  size_t produced = 0;
  auto producer = NewKafkaProducer({broker_->bootstrap_servers(), "test-producer", {}});
  ASSERT_TRUE(producer.ok());
  auto produce_chunk = [&] {
    const size_t end = std::min(stream.size(), produced + chunk);
    for (; produced < end; ++produced) {
      ASSERT_TRUE(
          (*producer)->Produce(topic, -1, stream[produced].first, stream[produced].second).ok());
    }
    const Status flushed = (*producer)->Flush(60000);
    ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  };

  const std::string config = dir_.Sub("segd.yaml");
  std::ofstream(config) << "kafka:\n  brokers: \"" << broker_->bootstrap_servers()
                        << "\"\n  topics: [" << topic << "]\n  group_id: " << group
                        << "\n  auto_offset_reset: error\n  session_timeout_ms: 6000\n"
                        << "  heartbeat_interval_ms: 500\nstorage:\n  path: " << state_
                        << "\ningest:\n  batch_max_events: 100\n  batch_linger_ms: 5\n"
                        << "  dead_letter_timeout_ms: 2000\n"
                        << "http:\n  bind: \"127.0.0.1:0\"\n"
                        << "model:\n  k: 3\n  n_init: 2\n  bootstrap_min_customers: 200\n"
                        // The injected Fetch and Produce errors must hit the source consumer
                        // and the dead-letter producer, not the control topic's clients.
                        << "cluster:\n  enabled: false\n"
                        // Nor the changelog's producer: a failed changelog append stops segd
                        // by design (ChangelogRestoreTest covers the restart).
                        << "changelog:\n  enabled: false\n";
  const std::string log = dir_.Sub("segd.log");
  ChildProcess segd({kSegd, "--config", config, "run"}, {}, log);
  const int port = WaitForHttpPort(log);
  ASSERT_GT(port, 0) << ReadFile(log);

  // Phase 1, no fault: the group forms and consumption starts.
  produce_chunk();
  ASSERT_TRUE(WaitConsumed(produced)) << ReadFile(log);

  // Phase 2: Fetch requests fail (leadership and timeouts, all retriable).
  broker_->PushRequestErrors(
      KafkaApi::kFetch,
      {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
       RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR});
  produce_chunk();
  ASSERT_TRUE(WaitConsumed(produced)) << "fetch errors\n" << ReadFile(log);
  EXPECT_EQ(WaitReadyz(port, 200, 10), 200)
      << "consuming, with a baseline: " << HttpRequest(port, "GET", "/readyz").body;

  // Phase 3: lag-monitoring commits and heartbeats fail; a heartbeat error forces a rebalance
  // (revoke, commit, assign, seek to the stored offsets).
  broker_->PushRequestErrors(
      KafkaApi::kOffsetCommit,
      {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
       RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE});
  broker_->PushRequestErrors(KafkaApi::kHeartbeat, {RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS});
  produce_chunk();
  ASSERT_TRUE(WaitConsumed(produced)) << "commit/heartbeat errors\n" << ReadFile(log);

  // Phase 4: the dead-letter producer's requests fail, first retriably (librdkafka retries),
  // then permanently (the batch fails and segd retries it until the copies are acknowledged).
  // segd is paused while the chunk is produced so that the errors hit its producer.
  segd.Signal(SIGSTOP);
  produce_chunk();
  broker_->PushRequestErrors(
      KafkaApi::kProduce,
      {RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
       RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED});
  segd.Signal(SIGCONT);
  ASSERT_TRUE(WaitConsumed(produced)) << "produce errors\n" << ReadFile(log);
  EXPECT_NE(ReadFile(log).find("batch attempt 1 failed, retrying"), std::string::npos)
      << "the permanent dead-letter failure did not reach segd's retry";

  // Phase 5: every partition's leader moves to another broker.
  for (int p = 0; p < kPartitions; ++p) {
    ASSERT_TRUE(broker_->SetPartitionLeader(topic, p, 1 + (p + 1) % kBrokers).ok());
  }
  produce_chunk();
  ASSERT_TRUE(WaitConsumed(produced)) << "leader change\n" << ReadFile(log);

  // Phase 6: the group coordinator moves.
  ASSERT_TRUE(broker_->SetGroupCoordinator(group, 3).ok());
  produce_chunk();
  ASSERT_TRUE(WaitConsumed(produced)) << "coordinator change\n" << ReadFile(log);

  // Phase 7: every broker goes down. segd reports not ready (and stays alive); when the brokers
  // come back it is ready again and consumes what arrives, by itself.
  ASSERT_TRUE(broker_->SetBrokerDown(-1).ok());
  const int down = WaitReadyz(port, 503, 60);
  EXPECT_EQ(down, 503) << ReadFile(log);
  const std::string why = HttpRequest(port, "GET", "/readyz").body;
  EXPECT_NE(why.find("kafka"), std::string::npos) << why;
  EXPECT_NE(HttpRequest(port, "GET", "/metrics").body.find("segd_ready 0"), std::string::npos);
  EXPECT_FALSE(segd.Wait(std::chrono::milliseconds(0)).has_value()) << "segd exited";
  ASSERT_TRUE(broker_->SetBrokerUp(-1).ok());
  produce_chunk();
  ASSERT_TRUE(WaitConsumed(produced, 120)) << "brokers down/up\n" << ReadFile(log);
  EXPECT_EQ(WaitReadyz(port, 200, 30), 200) << ReadFile(log);

  // The rest, no fault; then a clean stop.
  while (produced < stream.size()) produce_chunk();
  ASSERT_TRUE(WaitConsumed(produced)) << ReadFile(log);
  segd.Signal(SIGTERM);
  auto code = segd.Wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << ReadFile(log);

  // Each good event applied exactly once, each bad one rejected once.
  StorageOptions o;
  o.path = state_;
  o.read_only = true;
  auto store = OpenRocksDbStateStore(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto expected = ExpectedState(good);
  EXPECT_EQ(Customers(**store), Customers(*expected));
  EXPECT_EQ(AllRecords(**store), AllRecords(*expected));
  uint64_t applied = 0, rejected = 0, duplicates = 0, consumed = 0;
  for (const auto& [tp, p] : StoredProgress(state_)) {
    applied += p.applied;
    rejected += p.rejected;
    duplicates += p.duplicates;
    consumed += static_cast<uint64_t>(p.next_offset);
  }
  EXPECT_EQ(consumed, stream.size());
  EXPECT_EQ(applied, good.size());
  EXPECT_EQ(rejected, bad_values.size());
  EXPECT_EQ(duplicates, 0u);

  // Every bad event reached the dead-letter topic with a reason (a retried batch may have sent
  // some twice: the dead-letter path is at least once).
  auto dlq = ReadWholeTopic(broker_->bootstrap_servers(), topic + ".dlq", 30000);
  ASSERT_TRUE(dlq.ok()) << dlq.status().ToString();
  std::set<std::string> dead;
  for (const ConsumedMessage& m : *dlq) {
    dead.insert(m.message.value);
    bool has_reason = false;
    for (const auto& [name, value] : m.headers) {
      has_reason |= name == "segd.error.reason" && !value.empty();
    }
    EXPECT_TRUE(has_reason) << m.message.value;
  }
  EXPECT_EQ(dead, bad_values);
  std::printf("broker faults: %zu events (%zu bad), %zu dead-letter copies\n", stream.size(),
              bad_values.size(), dlq->size());
}

}  // namespace
}  // namespace segd::testing
