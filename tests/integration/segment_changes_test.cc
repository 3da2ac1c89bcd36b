// Segment-change events end to end: a real segd on the mock cluster replays a history, is
// retrained half-way and SIGKILLed while it ingests; the output topic then holds every change
// of every customer (each customer's last event is its lookup's announced segment), nothing
// about a change that did not happen, and repeats only with the same id and content.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "integration/kafka_test_env.h"
#include "segd/kafka/topic_reader.h"
#include "testing/child_process.h"
#include "testing/http_get.h"

namespace segd::testing {
namespace {

using nlohmann::json;
const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";

class SegmentChangesTest : public KafkaTestEnv {
 protected:
  std::string WriteConfig(const std::string& topic, const std::string& changes) {
    const std::string path = dir_.Sub("segd.yaml");
    std::ofstream(path) << "kafka:\n  brokers: \"" << broker_->bootstrap_servers()
                        << "\"\n  topics: [" << topic << "]\n  group_id: g-" << topic
                        << "\n  auto_offset_reset: error\n  session_timeout_ms: 3000\n"
                        << "  heartbeat_interval_ms: 500\nstorage:\n  path: " << dir_.Sub("store")
                        << "\n  min_free_mb: 0\n"
                        << "ingest:\n  batch_max_events: 100\n  batch_linger_ms: 5\n"
                        << "http:\n  bind: \"127.0.0.1:0\"\n  admin_token: t0ken\n"
                        << "model:\n  k: 4\n  n_init: 2\n  bootstrap_min_customers: 400\n"
                        << "drift:\n  every_seconds: 3600\n  every_event_days: 0\n"
                        << "cluster:\n  enabled: false\n"
                        << "output:\n  segment_changes_topic: " << changes
                        << "\n  relabel_chunk_customers: 250\n";
    return path;
  }

  static void WaitConsumed(const std::string& store, uint64_t n, const std::string& log) {
    for (int i = 0; i < 1200 && StoredConsumed(store) < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_GE(StoredConsumed(store), n) << ReadFile(log);
  }
};

TEST_F(SegmentChangesTest, EveryChangeOnceOrRepeatedThroughARetrainAndAKill) {
  const std::string topic = NewTopic(2);
  const std::string changes = "changes-" + topic;
  ASSERT_TRUE(broker_->CreateTopic(changes, 3).ok());
  const auto history =
      InEventTimeOrder(MakeHistory(EnvInt("SEGD_CHANGES_TEST_CUSTOMERS", 2500), 41));
  const size_t first = history.size() * 2 / 5;
  const std::string config = WriteConfig(topic, changes);
  const std::string store = dir_.Sub("store");

  // The first part, a bootstrap at 400 customers, then an operator's retrain.
  Produce(topic, std::vector<KeyedEvent>(history.begin(), history.begin() + first));
  const std::string log_a = dir_.Sub("a.log");
  ChildProcess a({kSegd, "--config", config, "run"}, {}, log_a);
  const int port = WaitForHttpPort(log_a);
  ASSERT_GT(port, 0) << ReadFile(log_a);
  WaitConsumed(store, first, log_a);
  HttpReply retrain;
  for (int i = 0; i < 60 && retrain.status != 200; ++i) {
    retrain = HttpRequest(port, "POST", "/v1/admin/retrain", "", {"Authorization: Bearer t0ken"});
    if (retrain.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_EQ(retrain.status, 200) << retrain.body << ReadFile(log_a);
  EXPECT_EQ(json::parse(retrain.body)["baseline_version"], 2) << retrain.body;

  // The rest, and SIGKILLs while it is being ingested (and relabelled).
  Produce(topic, std::vector<KeyedEvent>(history.begin() + first, history.end()));
  const int kills = EnvInt("SEGD_CHANGES_TEST_KILLS", 2);
  std::unique_ptr<ChildProcess> running;
  std::string log = log_a;
  for (int k = 0; k < kills; ++k) {
    WaitConsumed(store, first + (history.size() - first) * (k + 1) / (kills + 2), log);
    (running ? *running : a).Signal(SIGKILL);
    (void)(running ? *running : a).Wait(std::chrono::seconds(10));
    const uint64_t at_kill = StoredConsumed(store);
    std::cout << "killed at " << at_kill << "/" << history.size() << "\n";
    EXPECT_LT(at_kill, history.size()) << "killed after the end: nothing was interrupted";
    log = dir_.Sub("a" + std::to_string(k + 1) + ".log");
    running =
        std::make_unique<ChildProcess>(std::vector<std::string>{kSegd, "--config", config, "run"},
                                       std::vector<std::string>{}, log);
  }
  if (running) {
    running->Signal(SIGKILL);
    (void)running->Wait(std::chrono::seconds(10));
  }

  // Restarted once more: it catches up (and finishes any relabel), then serves the lookups.
  const std::string log_b = dir_.Sub("b.log");
  {
    ChildProcess b({kSegd, "--config", config, "run", "--exit-when-caught-up"}, {}, log_b);
    ASSERT_EQ(b.Wait(std::chrono::seconds(300)).value_or(-1), 0) << ReadFile(log_b);
  }
  EXPECT_NE(ReadFile(log_b).find("segment-change event(s) again"), std::string::npos)
      << ReadFile(log_b);
  const std::string log_c = dir_.Sub("c.log");
  ChildProcess c({kSegd, "--config", config, "run"}, {}, log_c);
  const int port_c = WaitForHttpPort(log_c);
  ASSERT_GT(port_c, 0) << ReadFile(log_c);
  std::set<std::string> customers;
  std::map<std::string, std::set<std::string>> event_ids;  // of each customer's order events
  for (const KeyedEvent& e : history) {
    customers.insert(e.key);
    event_ids[e.key].insert(e.event.id);
  }
  std::map<std::string, json> announced;  // customer -> its lookup's announced_segment
  for (const std::string& id : customers) {
    HttpReply r;
    for (int i = 0; i < 100 && r.status != 200; ++i) {
      r = HttpRequest(port_c, "GET", "/v1/customers/" + id);
      if (r.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(r.status, 200) << id << " " << r.body;
    announced[id] = json::parse(r.body)["announced_segment"];
  }
  c.Signal(SIGTERM);
  ASSERT_EQ(c.Wait(std::chrono::seconds(30)).value_or(-1), 0) << ReadFile(log_c);

  auto messages = ReadWholeTopic(broker_->bootstrap_servers(), changes, 30000);
  ASSERT_TRUE(messages.ok()) << messages.status().ToString();
  std::map<std::string, std::string> by_id;
  std::map<std::string, std::vector<json>> chains;  // first occurrences, in order
  std::map<std::string, json> last;                 // repeats included
  std::map<std::string, int> causes;
  size_t repeats = 0;
  for (const ConsumedMessage& m : *messages) {
    const json e = json::parse(m.message.value);
    const std::string customer = e["subject"];
    ASSERT_EQ(m.message.key, customer);
    ASSERT_EQ(e["type"], "customer.segment.changed.v1");
    auto [it, fresh] = by_id.emplace(e["id"].get<std::string>(), m.message.value);
    EXPECT_EQ(it->second, m.message.value) << "one id, two different events";
    last[customer] = e["data"]["segment"]["id"];
    if (!fresh) {
      ++repeats;
      continue;
    }
    chains[customer].push_back(e);
    ++causes[e["data"]["cause"].get<std::string>() + " v" +
             std::to_string(e["data"]["model"]["baseline_version"].get<int>())];
  }
  // Each customer's events chain: each starts from the segment the one before announced.
  for (const auto& [customer, chain] : chains) {
    json previous = nullptr;
    for (const json& e : chain) {
      const json& d = e["data"];
      ASSERT_EQ(d["previous"].is_null() ? json(nullptr) : d["previous"]["id"], previous)
          << customer << ": " << e.dump();
      ASSERT_NE(d["segment"]["id"], previous) << customer;
      if (d["cause"] == "event") {
        EXPECT_TRUE(event_ids[customer].contains(d["caused_by"].get<std::string>())) << e.dump();
      }
      previous = d["segment"]["id"];
    }
  }
  // Every change is there: each customer's last event is its lookup's announced segment, and
  // a customer without events has none.
  size_t with_segment = 0;
  for (const auto& [customer, segment] : announced) {
    if (segment.is_null()) {
      EXPECT_FALSE(last.contains(customer)) << customer;
      continue;
    }
    ++with_segment;
    ASSERT_TRUE(last.contains(customer)) << customer << " was never announced";
    std::string events;
    for (const json& e : chains[customer]) events += "\n  " + e["data"].dump();
    EXPECT_EQ(last[customer], segment["id"])
        << customer << " announced " << segment.dump() << ", events:" << events;
  }
  EXPECT_GT(with_segment, customers.size() * 8 / 10);
  EXPECT_EQ(last.size(), with_segment);
  // Both causes under both baselines, and the restart re-sent something.
  EXPECT_GT(causes["relabel v1"], 300) << "the bootstrap relabels everyone before it";
  EXPECT_GT(causes["relabel v2"], 0);
  EXPECT_GT(causes["event v1"], 0);
  EXPECT_GT(causes["event v2"], 0);
  EXPECT_GT(repeats, 0u);
  std::cout << "events " << messages->size() << " (repeats " << repeats << "), customers "
            << customers.size() << ", announced " << with_segment << ", causes:";
  for (const auto& [cause, n] : causes) std::cout << " " << cause << "=" << n;
  std::cout << "\n";
}

}  // namespace
}  // namespace segd::testing
