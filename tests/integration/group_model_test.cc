// Three instances in one consumer group are one segmentation: run one instance (its own group)
// and, separately, three instances (another group) on the same topic, fit the baseline the same
// way in both (an admin retrain after the first part of the history: on the single instance
// locally; in the group, sent to a follower, forwarded to the leader, fitted on every member's
// rows), then consume the rest. Checks: one baseline version everywhere, equal to the single
// instance's; every customer answered by each of the three like the single instance (state
// exact, same baseline segment; the live segment of at least 99%); the group's refit ARI from
// summed per-member tables equals the single instance's to 1e-12, and every member reports it.
//
// Knobs: SEGD_GROUP_TEST_CUSTOMERS (default 1500), SEGD_GROUP_TEST_PARTITIONS (default 8).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "integration/kafka_test_env.h"
#include "testing/child_process.h"
#include "testing/http_get.h"

namespace segd::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";
constexpr char kToken[] = "group-test-token";

class GroupModelTest : public KafkaTestEnv {
 protected:
  struct Instance {
    std::string name, log;
    std::unique_ptr<ChildProcess> process;
    int port = 0;
  };

  Instance Start(const std::string& topic, const std::string& group, const std::string& name) {
    Instance in;
    in.name = name;
    in.log = dir_.Sub(name + ".log");
    const std::string config = dir_.Sub(name + ".yaml");
    std::ofstream(config) << "kafka:\n  brokers: \"" << broker_->bootstrap_servers()
                          << "\"\n  topics: [" << topic << "]\n  group_id: " << group
                          << "\n  client_id: segd-" << name
                          << "\n  auto_offset_reset: error\n  session_timeout_ms: 3000\n"
                          << "  heartbeat_interval_ms: 500\nstorage:\n  path: "
                          << dir_.Sub(name + ".state")
                          << "\ningest:\n  batch_max_events: 500\n  batch_linger_ms: 5\n"
                          << "http:\n  bind: \"127.0.0.1:0\"\n  admin_token: " << kToken
                          << "\n  admin_wait_ms: 60000\n"
                          << "model:\n  bootstrap_min_customers: 0\n  n_init: 3\n"
                          << "drift:\n  every_seconds: 1\n  every_event_days: 0\n"
                          << "  refit_every: 1\n"
                          << "cluster:\n  heartbeat_ms: 200\n  member_timeout_ms: 4000\n";
    in.process =
        std::make_unique<ChildProcess>(std::vector<std::string>{kSegd, "--config", config, "run"},
                                       std::vector<std::string>{}, in.log);
    return in;
  }

  static json BatchGet(const Instance& in, const std::vector<std::string>& ids) {
    json results = json::array();
    for (size_t from = 0; from < ids.size(); from += 999) {
      json request = {{"ids", json::array()}};
      for (size_t j = from; j < std::min(ids.size(), from + 999); ++j)
        request["ids"].push_back(ids[j]);
      const HttpReply r = HttpRequest(in.port, "POST", "/v1/customers:batchGet", request.dump());
      if (r.status != 200) return json(std::to_string(r.status) + " " + r.body);
      last_body_ = r.body.substr(0, 300);
      const json body = json::parse(r.body);  // alive through the loop
      for (const json& c : body["results"]) results.push_back(c);
    }
    return results;
  }

  static json Model(const Instance& in) {
    const HttpReply r = HttpRequest(in.port, "GET", "/v1/model");
    return r.status == 200 ? json::parse(r.body) : json();
  }

  static HttpReply Retrain(const Instance& in) {
    return HttpRequest(in.port, "POST", "/v1/admin/retrain", "",
                       {std::string("Authorization: Bearer ") + kToken});
  }

  // Waits until `done()` holds; fails the test after `seconds`, showing the logs.
  template <typename F>
  void WaitFor(F done, int seconds, const std::vector<const Instance*>& fleet, const char* what) {
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    while (!done()) {
      if (Clock::now() > deadline) {
        std::string logs;
        for (const Instance* in : fleet) logs += "--- " + in->name + "\n" + ReadFile(in->log);
        FAIL() << "timed out waiting for " << what << " (" << why_ << ")\n" << logs;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  std::string why_;  // what the last check saw
  static inline std::string last_body_;
};

TEST_F(GroupModelTest, ThreeInstancesAreOneSegmentationEqualToOneInstance) {
  const int customers = EnvInt("SEGD_GROUP_TEST_CUSTOMERS", 1500);
  const int partitions = EnvInt("SEGD_GROUP_TEST_PARTITIONS", 8);
  const std::string topic = NewTopic(partitions);
  const std::string single_group = "one-" + topic, group = "three-" + topic;
  ASSERT_TRUE(broker_->CreateTopic(single_group + ".cluster", 1).ok());
  ASSERT_TRUE(broker_->CreateTopic(group + ".cluster", 1).ok());
  CreateChangelog(single_group, partitions);
  CreateChangelog(group, partitions);
  const std::vector<KeyedEvent> history = MakeHistory(customers, 21);
  const size_t cut = history.size() * 7 / 10;
  Produce(topic, std::vector<KeyedEvent>(history.begin(), history.begin() + cut));
  std::vector<std::string> ids_before, ids;
  std::set<std::string> seen;
  for (size_t i = 0; i < history.size(); ++i) {
    if (!seen.insert(history[i].key).second) continue;
    ids.push_back(history[i].key);
    if (i < cut) ids_before.push_back(history[i].key);
  }

  Instance single = Start(topic, single_group, "single");
  std::vector<Instance> fleet;
  for (int i = 0; i < 3; ++i) fleet.push_back(Start(topic, group, "member" + std::to_string(i)));
  std::vector<const Instance*> all = {&single};
  for (Instance& in : fleet) all.push_back(&in);
  for (Instance* in : {&single, &fleet[0], &fleet[1], &fleet[2]}) {
    in->port = WaitForHttpPort(in->log);
    ASSERT_GT(in->port, 0) << ReadFile(in->log);
  }
  for (const Instance& in : fleet) {
    WaitFor(
        [&] {
          return MetricValue(HttpRequest(in.port, "GET", "/metrics").body,
                             "segd_cluster_members") == 3;
        },
        60, all, "three members");
  }
  // The first part consumed everywhere: every instance answers for every customer.
  for (const Instance* in : all) {
    WaitFor(
        [&] {
          const json r = BatchGet(*in, ids_before);
          why_ = in->name + ": " + std::to_string(ids_before.size()) + " ids, " + last_body_;
          if (!r.is_array() || r.size() != ids_before.size()) return false;
          for (const json& c : r) {
            if (c.is_null() || !c.contains("state")) return false;
          }
          return true;
        },
        60, all, "the first part of the history");
  }

  // The same fit in both: locally on the single instance; for the group, asked of a follower.
  const HttpReply one = Retrain(single);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json::parse(one.body)["baseline_version"], 1);
  int follower = -1;
  for (int i = 0; i < 3 && follower < 0; ++i) {
    if (MetricValue(HttpRequest(fleet[i].port, "GET", "/metrics").body, "segd_cluster_leader") ==
        0) {
      follower = i;
    }
  }
  ASSERT_GE(follower, 0);
  const HttpReply three = Retrain(fleet[follower]);
  ASSERT_EQ(three.status, 200) << three.body << "\n" << ReadFile(fleet[follower].log);
  EXPECT_EQ(json::parse(three.body)["baseline_version"], 1);
  // One baseline version everywhere, equal to the single instance's (but for its fit time).
  json expected = Model(single)["baseline"];
  ASSERT_FALSE(expected.is_null());
  expected.erase("trained_at");
  for (const Instance& in : fleet) {
    WaitFor(
        [&] {
          json b = Model(in)["baseline"];
          if (b.is_null()) return false;
          b.erase("trained_at");
          return b == expected;
        },
        30, all, "the group's baseline on every member, equal to the single instance's");
  }
  const std::string segments = HttpRequest(fleet[0].port, "GET", "/v1/segments").body;
  for (const Instance& in : fleet) {
    EXPECT_EQ(Model(in)["baseline"], Model(fleet[0])["baseline"]);  // trained_at too
  }

  // The rest of the history; then every instance holds the single instance's state.
  Produce(topic, std::vector<KeyedEvent>(history.begin() + cut, history.end()));
  json reference;
  WaitFor(
      [&] {
        reference = BatchGet(single, ids);
        if (!reference.is_array() || reference.size() != ids.size()) return false;
        for (const Instance& in : fleet) {
          const json r = BatchGet(in, ids);
          if (!r.is_array() || r.size() != ids.size()) return false;
          for (size_t j = 0; j < ids.size(); ++j) {
            // Features are at the group's watermark, which members learn from heartbeats.
            if (r[j]["state"] != reference[j]["state"] ||
                r[j]["features"] != reference[j]["features"]) {
              why_ = in.name + ": " + r[j].dump() + " vs " + reference[j].dump();
              return false;
            }
          }
        }
        return true;
      },
      60, all, "the whole history everywhere");
  // The shared live model settled: the same live centres everywhere, twice
  // 1.5 s apart (members exchange their statistics every second).
  std::string settled;
  WaitFor(
      [&] {
        std::set<std::string> seen;
        for (const Instance& in : fleet) {
          const json segments = json::parse(HttpRequest(in.port, "GET", "/v1/segments").body);
          json centres = json::array();
          for (const json& g : segments["segments"]) centres.push_back(g["centroid"]);
          seen.insert(centres.dump());
        }
        const bool same = seen.size() == 1 && *seen.begin() == settled;
        settled = seen.size() == 1 ? *seen.begin() : "";
        if (!same) std::this_thread::sleep_for(std::chrono::milliseconds(1400));
        return same;
      },
      60, all, "the live model to settle");
  std::vector<json> answers;
  for (const Instance& in : fleet) answers.push_back(BatchGet(in, ids));
  size_t same_live = 0;
  for (size_t j = 0; j < ids.size(); ++j) {
    for (int i = 1; i < 3; ++i) EXPECT_EQ(answers[i][j], answers[0][j]) << ids[j];
    const json& g = answers[0][j];
    const json& s = reference[j];
    EXPECT_EQ(g["state"], s["state"]) << ids[j];
    EXPECT_EQ(g["features"], s["features"]) << ids[j];
    EXPECT_EQ(g["baseline_segment"], s["baseline_segment"]) << ids[j];
    // No segment for a customer without live orders (every order canceled).
    same_live += g["segment"].is_null()
                     ? s["segment"].is_null()
                     : !s["segment"].is_null() && g["segment"]["id"] == s["segment"]["id"];
  }
  const double live_agreement = double(same_live) / double(ids.size());

  // Drift over the whole group: the refit ARI (baseline v1 against a fresh fit on everyone, the
  // same two models on both sides) from the summed tables equals the single instance's.
  const std::string last = Model(single)["live"]["as_of"];
  auto refit_ari = [&](const Instance& in) -> std::optional<double> {
    const json d = Model(in)["drift"];
    if (d.is_null() || d["as_of"] != last || d["ari"]["refit"].is_null()) return std::nullopt;
    return d["ari"]["refit"].get<double>();
  };
  WaitFor([&] { return refit_ari(single).has_value(); }, 30, all, "the single instance's drift");
  for (const Instance& in : fleet) {
    WaitFor([&] { return refit_ari(in).has_value(); }, 30, all, "the group's drift");
  }
  const double single_ari = *refit_ari(single);
  for (const Instance& in : fleet) {
    EXPECT_NEAR(*refit_ari(in), single_ari, 1e-12) << in.name;
    EXPECT_EQ(Model(in)["drift"]["ari"]["refit"], Model(single)["drift"]["ari"]["refit"]);
  }
  EXPECT_LT(single_ari, 1.0);  // a real comparison: the population moved since the baseline
  // The leader's log line of the group fit (for the report).
  std::string fit_line;
  for (const Instance& in : fleet) {
    const std::string log = ReadFile(in.log);
    const size_t at = log.find("fitted for the group");
    if (at != std::string::npos) fit_line = log.substr(at, log.find('\n', at) - at);
  }
  EXPECT_FALSE(fit_line.empty());
  std::printf("group fit: %s\n", fit_line.c_str());
  std::printf(
      "group: %d customers, %d partitions; baseline v1 identical on 1 and 3 instances; refit ARI "
      "%.15f on both; live segment agreement %.4f\n",
      customers, partitions, single_ari, live_agreement);
  EXPECT_GE(live_agreement, 0.99);
  EXPECT_FALSE(segments.empty());
  for (Instance* in : {&single, &fleet[0], &fleet[1], &fleet[2]}) in->process->Signal(SIGTERM);
  for (Instance* in : {&single, &fleet[0], &fleet[1], &fleet[2]}) {
    EXPECT_EQ(in->process->Wait(std::chrono::seconds(30)), 0) << ReadFile(in->log);
  }
}

}  // namespace
}  // namespace segd::testing
