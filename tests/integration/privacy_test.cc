// Privacy of logs and metrics: a segd that consumes customers' events (good and bad), serves
// lookups, and is asked for an admin retrain with its token never writes a customer id or the
// token into its log at the default (info) level, nor a customer id into /metrics.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "integration/kafka_test_env.h"
#include "testing/child_process.h"
#include "testing/http_get.h"

namespace segd::testing {
namespace {

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";

class PrivacyTest : public KafkaTestEnv {};

TEST_F(PrivacyTest, NoCustomerIdOrSecretInLogsOrMetrics) {
  const std::string topic = NewTopic(2);
  const auto history = MakeHistory(400, 61);
  Produce(topic, history);
  const std::string bad_key = history[0].key;
  const std::string bad = R"({"specversion":"1.0","id":"x","subject":")" + bad_key + R"("})";
  ProduceRaw(topic, &bad_key, bad);  // rejected: missing fields, its reason is logged

  const std::string token = "tok-9f8e7d6c5b4a39281706";
  const std::string token_file = dir_.Sub("token");
  std::ofstream(token_file) << token << "\n";
  const std::string state = dir_.Sub("state");
  const std::string config = dir_.Sub("segd.yaml");
  std::ofstream(config) << "kafka:\n  brokers: \"" << broker_->bootstrap_servers()
                        << "\"\n  topics: [" << topic << "]\n  group_id: g-" << topic
                        << "\n  session_timeout_ms: 3000\n  heartbeat_interval_ms: 500\n"
                        << "storage:\n  path: " << state << "\nhttp:\n  bind: \"127.0.0.1:0\"\n"
                        << "  admin_token_file: " << token_file << "\n"
                        << "model:\n  k: 3\n  n_init: 2\n  bootstrap_min_customers: 100\n"
                        << "drift:\n  every_seconds: 1\n";
  const std::string log = dir_.Sub("segd.log");
  ChildProcess segd({kSegd, "--config", config, "run"}, {"SEGD_ADMIN_TOKEN=" + token}, log);
  const int port = WaitForHttpPort(log);
  ASSERT_GT(port, 0) << ReadFile(log);
  for (int i = 0; i < 600 && StoredConsumed(state) < history.size() + 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(StoredConsumed(state), history.size() + 1) << ReadFile(log);

  EXPECT_EQ(HttpRequest(port, "GET", "/v1/customers/" + history[1].key).status, 200);
  EXPECT_EQ(HttpRequest(port, "GET", "/v1/customers/nobody-" + history[2].key).status, 404);
  EXPECT_EQ(
      HttpRequest(port, "POST", "/v1/admin/retrain", "", {"Authorization: Bearer wrong"}).status,
      401);
  EXPECT_EQ(
      HttpRequest(port, "POST", "/v1/admin/retrain", "", {"Authorization: Bearer " + token}).status,
      200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a drift evaluation or two
  const std::string metrics = HttpRequest(port, "GET", "/metrics").body;
  segd.Signal(SIGTERM);
  ASSERT_EQ(segd.Wait(std::chrono::seconds(30)).value_or(-1), 0) << ReadFile(log);

  const std::string text = ReadFile(log);
  ASSERT_NE(text.find("segd stopped"), std::string::npos) << text;  // the log is the whole run
  ASSERT_NE(metrics.find("segd_events_applied_total"), std::string::npos);
  EXPECT_EQ(text.find(token), std::string::npos) << "the admin token is in the log";
  for (const KeyedEvent& e : history) {
    ASSERT_EQ(text.find(e.key), std::string::npos) << "customer id " << e.key << " in the log";
    ASSERT_EQ(metrics.find(e.key), std::string::npos) << "customer id " << e.key << " in /metrics";
  }
}

}  // namespace
}  // namespace segd::testing
