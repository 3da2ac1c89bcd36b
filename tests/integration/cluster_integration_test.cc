// Three segd processes in one consumer group on one generated history answer every customer
// lookup the same way, whichever instance is asked: a non-owner forwards to the owner. Then the
// leader is SIGKILLed: until the survivors have taken over and caught up with its partitions,
// lookups for its customers answer 503 with Retry-After (or 200), never 404, and the
// leadership moves to a survivor.
//
// TwoInstancesShareOneLiveModel... checks the live model the group shares.
//
// Knobs for a bigger run: SEGD_CLUSTER_TEST_CUSTOMERS (default 2000), ..._PARTITIONS (12),
// ..._SAMPLE (customers looked up one by one on every instance; default 400, 0 = all).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "integration/kafka_test_env.h"
#include "segd/cluster/partitioner.h"
#include "testing/child_process.h"
#include "testing/http_get.h"

namespace segd::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// A lookup's answer with every distance rounded to 12 significant digits: the live model's
// shared statistics reach the members asynchronously and are summed in arrival order, so a
// distance under it may differ in its last bits from one instance to the next for a moment.
json Rounded(json j) {
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      if (k == "distance" && v.is_number_float()) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%.12g", v.get<double>());
        v = std::stod(buf);
      } else {
        v = Rounded(v);
      }
    }
  } else if (j.is_array()) {
    for (auto& v : j) v = Rounded(v);
  }
  return j;
}
json Rounded(const std::string& body) { return Rounded(json::parse(body)); }

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";

class ClusterIntegrationTest : public KafkaTestEnv {
 protected:
  struct Instance {
    std::string state, config, log;
    std::unique_ptr<ChildProcess> process;
    int port = 0;
    bool alive = true;
  };

  void WriteConfig(Instance& in, const std::string& topic, const std::string& name) {
    std::ofstream(in.config) << "kafka:\n  brokers: \"" << broker_->bootstrap_servers()
                             << "\"\n  topics: [" << topic << "]\n  group_id: g-" << topic
                             << "\n  client_id: segd-" << name
                             << "\n  auto_offset_reset: error\n  session_timeout_ms: 3000\n"
                             << "  heartbeat_interval_ms: 500\nstorage:\n  path: " << in.state
                             << "\ningest:\n  batch_max_events: 500\n  batch_linger_ms: 5\n"
                             << "http:\n  bind: \"127.0.0.1:0\"\n"
                             << "model:\n  bootstrap_min_customers: 300\n  n_init: 2\n"
                             << "drift:\n  every_seconds: 3600\n"
                             << "cluster:\n  heartbeat_ms: 200\n  member_timeout_ms: 2000\n";
  }

  static HttpReply Get(const Instance& in, const std::string& id, bool hop = false) {
    return HttpRequest(
        in.port, "GET", "/v1/customers/" + id, "",
        hop ? std::vector<std::string>{"X-Segd-Forwarded: 1"} : std::vector<std::string>{});
  }

  static json Baseline(const Instance& in) {
    const HttpReply r = HttpRequest(in.port, "GET", "/v1/model");
    return r.status == 200 ? json::parse(r.body)["baseline"] : json();
  }

  // Waits until every live instance holds the same baseline (one version for the group).
  void WaitOneBaseline(const std::vector<Instance>& fleet) {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    for (;;) {
      std::set<std::string> seen;
      for (const Instance& in : fleet) {
        if (in.alive) seen.insert(Baseline(in).dump());
      }
      if (seen.size() == 1 && *seen.begin() != "null") return;
      ASSERT_LT(Clock::now(), deadline) << "baselines differ: " << [&] {
        std::string all;
        for (const std::string& b : seen) all += b + "\n";
        return all;
      }();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // Waits until the shared live model has settled: every live instance shows the same segments
  // (live centres included) twice, 1.5 s apart (the members exchange statistics every second).
  void WaitLiveSettled(const std::vector<Instance>& fleet) {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    std::string previous;
    for (;;) {
      std::set<std::string> seen;
      for (const Instance& in : fleet) {
        if (in.alive) seen.insert(HttpRequest(in.port, "GET", "/v1/segments").body);
      }
      if (seen.size() == 1 && *seen.begin() == previous) return;
      previous = seen.size() == 1 ? *seen.begin() : "";
      ASSERT_LT(Clock::now(), deadline) << "the live model did not settle";
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    }
  }

  // Waits until every live instance answers 200 for every id in `ids`; fails after 60 s.
  void WaitAllAnswer(const std::vector<Instance>& fleet, const std::vector<std::string>& ids) {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    for (const Instance& in : fleet) {
      if (!in.alive) continue;
      for (const std::string& id : ids) {
        while (Get(in, id).status != 200) {
          ASSERT_LT(Clock::now(), deadline)
              << "port " << in.port << " never answered " << id << "\n"
              << ReadFile(in.log);
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }
    }
  }
};

TEST_F(ClusterIntegrationTest, EveryInstanceAnswersLikeTheOwnerAndAKilledLeadersCustomersNever404) {
  const int customers = EnvInt("SEGD_CLUSTER_TEST_CUSTOMERS", 2000);
  const int partitions = EnvInt("SEGD_CLUSTER_TEST_PARTITIONS", 12);
  const int sample_size = EnvInt("SEGD_CLUSTER_TEST_SAMPLE", 400);
  const std::string topic = NewTopic(partitions);
  ASSERT_TRUE(broker_->CreateTopic("g-" + topic + ".cluster", 1).ok());
  const std::vector<KeyedEvent> history = MakeHistory(customers, 12);
  Produce(topic, history);  // librdkafka's default partitioner, segd's default too

  // Customer ids in first-seen order; one per partition goes first (the readiness probe).
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const KeyedEvent& e : history) {
    if (seen.insert(e.key).second) ids.push_back(e.key);
  }
  std::vector<std::string> probe(partitions);
  for (const std::string& id : ids) {
    std::string& p = probe[PartitionForKey(PartitionerKind::kConsistentRandom, id, partitions)];
    if (p.empty()) p = id;
  }

  std::vector<Instance> fleet(3);
  for (int i = 0; i < 3; ++i) {
    const std::string name = "i" + std::to_string(i);
    fleet[i].state = dir_.Sub(name);
    fleet[i].config = dir_.Sub(name + ".yaml");
    fleet[i].log = dir_.Sub(name + ".log");
    WriteConfig(fleet[i], topic, name);
    fleet[i].process = std::make_unique<ChildProcess>(
        std::vector<std::string>{kSegd, "--config", fleet[i].config, "run"},
        std::vector<std::string>{}, fleet[i].log);
  }
  for (Instance& in : fleet) {
    in.port = WaitForHttpPort(in.log);
    ASSERT_GT(in.port, 0) << ReadFile(in.log);
  }
  // All three members known everywhere, then every partition served.
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  for (const Instance& in : fleet) {
    while (MetricValue(HttpRequest(in.port, "GET", "/metrics").body, "segd_cluster_members") != 3) {
      ASSERT_LT(Clock::now(), deadline) << ReadFile(in.log);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  WaitAllAnswer(fleet, probe);
  // The group fitted one baseline (the leader's, on every member's customers) and everyone
  // adopted it.
  WaitOneBaseline(fleet);
  const json group_baseline = Baseline(fleet[0]);
  WaitLiveSettled(fleet);

  // Every customer, batched, from every instance: the same results in request order.
  std::vector<json> batch_results(3);
  for (int i = 0; i < 3; ++i) {
    for (size_t from = 0; from < ids.size(); from += 999) {
      json request = {{"ids", json::array()}};
      for (size_t j = from; j < std::min(ids.size(), from + 999); ++j) {
        request["ids"].push_back(ids[j]);
      }
      request["ids"].push_back("no-such-customer");
      const HttpReply r =
          HttpRequest(fleet[i].port, "POST", "/v1/customers:batchGet", request.dump());
      ASSERT_EQ(r.status, 200) << r.body;
      const json body = json::parse(r.body);
      EXPECT_EQ(body["not_found"], json::array({"no-such-customer"}));
      for (const json& c : body["results"]) batch_results[i].push_back(c);
    }
    ASSERT_EQ(batch_results[i].size(), ids.size());
    for (size_t j = 0; j < ids.size(); ++j) {
      ASSERT_EQ(batch_results[i][j]["customer_id"], ids[j]);
    }
  }
  EXPECT_EQ(Rounded(batch_results[1]), Rounded(batch_results[0]));
  EXPECT_EQ(Rounded(batch_results[2]), Rounded(batch_results[0]));

  // One by one: the same body everywhere, equal to the owner's own answer (the only instance
  // that answers a request carrying the hop marker; the others must not forward it again).
  const size_t n = sample_size <= 0 ? ids.size() : std::min(ids.size(), size_t(sample_size));
  std::vector<int> owner_of(ids.size(), -1);
  std::vector<json> before(ids.size());
  for (size_t j = 0; j < n; ++j) {
    const std::string& id = ids[j];
    std::string first;
    for (int i = 0; i < 3; ++i) {
      const HttpReply r = Get(fleet[i], id);
      ASSERT_EQ(r.status, 200) << id << " on instance " << i << ": " << r.body;
      if (i == 0) first = r.body;
      EXPECT_EQ(Rounded(r.body), Rounded(first)) << id << " on instance " << i;
      const HttpReply direct = Get(fleet[i], id, /*hop=*/true);
      if (direct.status == 200) {
        EXPECT_EQ(owner_of[j], -1) << id << " answered by two owners";
        owner_of[j] = i;
        EXPECT_EQ(Rounded(direct.body), Rounded(first)) << id;
      } else {
        EXPECT_EQ(direct.status, 503) << id << ": " << direct.body;
        EXPECT_NE(direct.head.find("Retry-After: 1"), std::string::npos);
      }
    }
    ASSERT_NE(owner_of[j], -1) << id << " has no owner";
    before[j] = json::parse(first);
    EXPECT_EQ(Rounded(before[j]), Rounded(batch_results[0][j]));
  }

  // The leader dies.
  int leader = -1;
  for (int i = 0; i < 3; ++i) {
    if (MetricValue(HttpRequest(fleet[i].port, "GET", "/metrics").body, "segd_cluster_leader") ==
        1) {
      EXPECT_EQ(leader, -1) << "two leaders";
      leader = i;
    }
  }
  ASSERT_NE(leader, -1) << "no leader";
  std::vector<size_t> orphans;  // sampled customers of the dead instance
  for (size_t j = 0; j < n; ++j) {
    if (owner_of[j] == leader) orphans.push_back(j);
  }
  ASSERT_FALSE(orphans.empty());
  fleet[leader].process->Signal(SIGKILL);
  ASSERT_TRUE(fleet[leader].process->Wait(std::chrono::seconds(10)).has_value());
  fleet[leader].alive = false;
  const auto killed_at = Clock::now();
  int unavailable = 0;
  for (bool all_ok = false; !all_ok;) {
    ASSERT_LT(Clock::now() - killed_at, std::chrono::seconds(60)) << "no recovery in 60 s";
    all_ok = true;
    for (const Instance& in : fleet) {
      if (!in.alive) continue;
      for (size_t j : orphans) {
        const HttpReply r = Get(in, ids[j]);
        if (r.status == 200) continue;
        all_ok = false;
        ASSERT_EQ(r.status, 503) << ids[j] << ": " << r.body << "\n" << ReadFile(in.log);
        ASSERT_NE(r.head.find("Retry-After: 1"), std::string::npos) << r.head;
        ++unavailable;
        break;
      }
    }
    if (!all_ok) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const double recovery_s = std::chrono::duration<double>(Clock::now() - killed_at).count();
  // The shared live model loses the dead member's partitions and takes them up again from
  // their new owners: the survivors agree on it once it has settled (under the sanitizers this
  // took longer than the recovery itself).
  WaitLiveSettled(fleet);
  // The survivors agree on every sampled customer; the dead one's customers kept their state.
  for (size_t j = 0; j < n; ++j) {
    std::string first;
    for (const Instance& in : fleet) {
      if (!in.alive) continue;
      // A later rebalance (the group settling) may make a partition unowned again for a
      // moment: 503 with Retry-After, then 200; never 404.
      HttpReply r = Get(in, ids[j]);
      for (const auto until = Clock::now() + std::chrono::seconds(30);
           r.status == 503 && Clock::now() < until; r = Get(in, ids[j])) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      ASSERT_EQ(r.status, 200) << ids[j] << ": " << r.body;
      if (first.empty()) first = r.body;
      EXPECT_EQ(Rounded(r.body), Rounded(first)) << ids[j];
    }
    const json now = json::parse(first);
    EXPECT_EQ(now["state"], before[j]["state"]) << ids[j];
    EXPECT_EQ(now["updated_at"], before[j]["updated_at"]) << ids[j];
  }
  int leaders = 0;
  for (const Instance& in : fleet) {
    if (!in.alive) continue;
    const std::string metrics = HttpRequest(in.port, "GET", "/metrics").body;
    leaders += MetricValue(metrics, "segd_cluster_leader") == 1;
  }
  EXPECT_EQ(leaders, 1) << "the leadership did not move to one survivor";
  WaitOneBaseline(fleet);  // one baseline remains: the group's, whoever leads now
  for (const Instance& in : fleet) {
    if (in.alive) EXPECT_EQ(Baseline(in)["version"], group_baseline["version"]);
  }
  std::printf(
      "cluster: %d customers, %d partitions, %zu looked up one by one on 3 instances; leader "
      "killed, its %zu sampled customers answered again after %.2f s (%d 503 answers seen)\n",
      customers, partitions, n, orphans.size(), recovery_s, unavailable);
  for (Instance& in : fleet) {
    if (in.alive) in.process->Signal(SIGTERM);
  }
  for (Instance& in : fleet) {
    if (in.alive) EXPECT_EQ(in.process->Wait(std::chrono::seconds(30)), 0) << ReadFile(in.log);
  }
}

// One live model for the group: a single instance consumes the first half of a history and
// fits the baseline; its state is copied to two instances of one group and to a third that runs
// alone; then the second half is produced. The two group members end with the same live centres
// (their shares exchanged over the control topic), and label >= 99% of the customers as the one
// that consumed everything alone.
TEST_F(ClusterIntegrationTest, TwoInstancesShareOneLiveModelAndLabelLikeASingleOne) {
  const int customers = EnvInt("SEGD_CLUSTER_TEST_CUSTOMERS", 2000);
  const std::string topic = NewTopic(8);
  const std::vector<KeyedEvent> history = MakeHistory(customers, 17);
  const size_t half = history.size() / 2;
  Produce(topic, std::vector<KeyedEvent>(history.begin(), history.begin() + half));
  auto start = [&](Instance& in, const std::string& name, const std::string& group,
                   bool until_caught_up) {
    in.config = dir_.Sub(name + ".yaml");
    in.log = dir_.Sub(name + ".log");
    WriteConfig(in, topic, name);
    std::ofstream(in.config, std::ios::app) << "  live_exchange_ms: 200\n";
    std::string text = ReadFile(in.config);
    text.replace(text.find("group_id: g-" + topic), 12 + topic.size(), "group_id: " + group);
    std::ofstream(in.config) << text;
    std::vector<std::string> argv = {kSegd, "--config", in.config, "run"};
    if (until_caught_up) argv.push_back("--exit-when-caught-up");
    in.process = std::make_unique<ChildProcess>(argv, std::vector<std::string>{}, in.log);
  };
  ASSERT_TRUE(broker_->CreateTopic("seed-" + topic + ".cluster", 1).ok());
  CreateChangelog("seed-" + topic, 8);
  Instance seed{.state = dir_.Sub("seed")};
  start(seed, "seed", "seed-" + topic, true);
  ASSERT_EQ(seed.process->Wait(std::chrono::seconds(60)), 0) << ReadFile(seed.log);
  std::vector<Instance> fleet(3);  // two in group g-<topic>, the third alone
  for (int i = 0; i < 3; ++i) {
    fleet[i].state = dir_.Sub("s" + std::to_string(i));
    std::filesystem::copy(seed.state, fleet[i].state, std::filesystem::copy_options::recursive);
  }
  ASSERT_TRUE(broker_->CreateTopic("g-" + topic + ".cluster", 1).ok());
  ASSERT_TRUE(broker_->CreateTopic("alone-" + topic + ".cluster", 1).ok());
  CreateChangelog("alone-" + topic, 8);
  Produce(topic, std::vector<KeyedEvent>(history.begin() + half, history.end()));
  // Then one order a day after everything in every partition: every instance's watermark, so
  // every answer's as_of (and the customers' recency), is the same as the single instance's.
  int64_t last = 0;
  for (const KeyedEvent& e : history) last = std::max(last, e.event.time_ms);
  std::vector<KeyedEvent> closing;
  for (int i = 0; closing.size() < 8; ++i) {
    const std::string id = "closing-" + std::to_string(i);
    if (PartitionForKey(PartitionerKind::kConsistentRandom, id, 8) != int32_t(closing.size())) {
      continue;
    }
    Event e{.id = id + "/placed", .subject = id, .time_ms = last + 86'400'000, .order_id = id};
    e.amount = 10;
    e.region = "SP";
    closing.push_back({id, ToContractJson(e), e});
  }
  Produce(topic, closing);
  start(fleet[0], "a", "g-" + topic, false);
  start(fleet[1], "b", "g-" + topic, false);
  start(fleet[2], "alone", "alone-" + topic, false);
  for (Instance& in : fleet) {
    in.port = WaitForHttpPort(in.log);
    ASSERT_GT(in.port, 0) << ReadFile(in.log);
  }
  const Instance &a = fleet[0], &b = fleet[1], &alone = fleet[2];
  // Caught up: every instance has consumed its share of the second half and stopped moving.
  const auto consumed = [](const Instance& in) {
    return MetricValue(HttpRequest(in.port, "GET", "/metrics").body, "segd_events_consumed_total");
  };
  const double second_half = double(history.size() - half + closing.size());
  const auto deadline = Clock::now() + std::chrono::seconds(90);
  for (double last = -1;;) {
    const double group = consumed(a) + consumed(b), single = consumed(alone);
    const bool members =
        MetricValue(HttpRequest(a.port, "GET", "/metrics").body, "segd_cluster_members") == 2;
    if (members && group >= second_half && single >= second_half && group + single == last) break;
    last = group + single;
    ASSERT_LT(Clock::now(), deadline) << ReadFile(a.log) << ReadFile(b.log);
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  }
  // Within a few exchange intervals both members show the same live centres.
  const auto centres = [](const Instance& in) {
    const HttpReply r = HttpRequest(in.port, "GET", "/v1/segments");
    json out = json::array();
    if (r.status != 200) return out;
    const json body = json::parse(r.body);
    for (const json& s : body["segments"]) out.push_back(s["centroid"]);
    return out;
  };
  const auto agreed_by = Clock::now() + std::chrono::seconds(10);
  while (centres(a) != centres(b) || centres(a).empty()) {
    ASSERT_LT(Clock::now(), agreed_by) << centres(a).dump() << "\n" << centres(b).dump();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string metrics = HttpRequest(a.port, "GET", "/metrics").body;
  const double from_b = MetricValue(metrics, "segd_cluster_live_partitions");
  EXPECT_GT(from_b, 0) << metrics;
  EXPECT_LT(from_b, 8) << metrics;
  // Every customer, asked of the group (member a, which forwards to the owner) and of the
  // single instance: the same live segment for >= 99%.
  std::set<std::string> ids;
  for (const KeyedEvent& e : history) ids.insert(e.key);
  int same = 0, labelled = 0;
  for (const std::string& id : ids) {
    const HttpReply g = Get(a, id), s1 = Get(alone, id);
    ASSERT_EQ(g.status, 200) << id << g.body;
    ASSERT_EQ(s1.status, 200) << id << s1.body;
    const json jg = json::parse(g.body), js = json::parse(s1.body);
    if (js["segment"].is_null()) continue;  // no live orders
    ++labelled;
    same += jg["segment"]["id"] == js["segment"]["id"];
    EXPECT_EQ(jg["as_of"], js["as_of"]) << id;
  }
  const double agreement = double(same) / labelled;
  std::printf("live model: %d customers labelled, %.4f like the single instance\n", labelled,
              agreement);
  EXPECT_GE(agreement, 0.99);
  for (Instance& in : fleet) in.process->Signal(SIGTERM);
  for (Instance& in : fleet) {
    EXPECT_EQ(in.process->Wait(std::chrono::seconds(30)), 0) << ReadFile(in.log);
  }
}

}  // namespace
}  // namespace segd::testing
