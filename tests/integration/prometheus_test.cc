// segd's /metrics as Prometheus sees it: a child segd consumes a drifting replay (the generated
// Olist-like history with a 4x spend shift from 2018) from the mock cluster; its scrape passes
// `promtool check metrics` and holds every metric the rules and the dashboard use; a real
// `prometheus` server scrapes it with deploy/prometheus/segd-rules.yml loaded: every rule
// evaluates without error, every dashboard query runs, the queried values equal what segd
// applied, and the drift alert goes pending. The drift section is the default one but for a
// one-second wall-clock refresh: the baseline is bootstrapped at a 14-day boundary in mid-2017 and
// the calibrated detector, fed by event-time evaluations, raises segd_retrain_recommended after the
// shift.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "integration/kafka_test_env.h"
#include "segd/replay/event_json_writer.h"
#include "segd/replay/olist_generator.h"
#include "testing/child_process.h"
#include "testing/http_get.h"

namespace segd::testing {
namespace {

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";

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

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == ':' || c == '.') {
      out.push_back(char(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

class PrometheusTest : public KafkaTestEnv {
 protected:
  // The value of an instant query with one result, or NaN.
  static double Query(int port, const std::string& promql) {
    const auto r = HttpRequest(port, "GET", "/api/v1/query?query=" + UrlEncode(promql));
    const auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || j["status"] != "success" || j["data"]["result"].size() != 1) {
      return std::nan("");
    }
    return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
  }

  // Starts a child segd on the drifting replay; returns its HTTP port.
  int StartSegd(std::unique_ptr<ChildProcess>* segd) {
    const int64_t split = ParseRfc3339Ms("2018-01-01T00:00:00Z").value();
    // The bootstrap: at the first boundary after the customers of 2017's first half, so that
    // the detector has calibrated (four evaluations) well before the shift.
    const int64_t bootstrap = ParseRfc3339Ms("2017-07-01T00:00:00Z").value();
    std::set<std::string> early_customers;
    std::string json;
    EXPECT_TRUE(OlistGenerator({.seed = 5,
                                .customers = 20000,
                                .drift = DriftKind::kSpendShift,
                                .drift_start_ms = split,
                                .drift_factor = 4.0})
                    .Generate([&](const Event& e) {
                      json.clear();
                      AppendEventJson(e, &json);
                      if (e.time_ms < bootstrap) early_customers.insert(e.subject);
                      (e.time_ms < split ? history_ : after_).push_back({e.subject, json});
                      return Status::Ok();
                    })
                    .ok());
    const std::string topic = NewTopic(4);  // ~5 MiB per partition on the mock broker
    topic_ = topic;
    Produce(topic, history_);  // 2016-2017; 2018 follows once the baseline exists
    const std::string config = dir_.Sub("segd.yaml");
    std::ofstream(config) << "kafka:\n  brokers: \"" << broker_->bootstrap_servers()
                          << "\"\n  topics: [" << topic << "]\n  group_id: g-" << topic
                          << "\n  auto_offset_reset: error\n  session_timeout_ms: 6000\n"
                          << "  heartbeat_interval_ms: 1000\nstorage:\n  path: "
                          << dir_.Sub("state") << "\nhttp:\n  bind: \"127.0.0.1:0\"\n"
                          << "model:\n  live_batch_events: 200\n  bootstrap_min_customers: "
                          << early_customers.size()
                          << "\ndrift:\n  every_seconds: 1\n  refit_every: 2\n"
                          << "  consecutive_evaluations: 3\n";
    log_ = dir_.Sub("segd.log");
    *segd =
        std::make_unique<ChildProcess>(std::vector<std::string>{kSegd, "--config", config, "run"},
                                       std::vector<std::string>{}, log_);
    const std::regex serving(R"(serving http://127\.0\.0\.1:(\d+)/)");
    for (int i = 0; i < 200; ++i) {
      std::smatch m;
      const std::string text = ReadFile(log_);
      if (!std::regex_search(text, m, serving)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      // Wait for the bootstrap baseline, then replay 2018 (with the spend shift).
      const int port = std::stoi(m[1]);
      // Generous: under the sanitizer suite beside the crash campaign, the group join alone once
      // took longer than a minute.
      for (int j = 0; j < 2400; ++j) {
        if (HttpRequest(port, "GET", "/metrics").body.find("segd_baseline_version 1") !=
            std::string::npos) {
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      Produce(topic_, after_);
      history_.insert(history_.end(), after_.begin(), after_.end());
      return port;
    }
    return 0;
  }

  std::vector<KeyedEvent> history_, after_;
  std::string topic_;
  std::string log_;
};

TEST_F(PrometheusTest, PromtoolAcceptsTheScrapeAndPrometheusEvaluatesTheRules) {
  std::unique_ptr<ChildProcess> segd;
  const int port = StartSegd(&segd);
  const auto& history = history_;
  ASSERT_GT(port, 0) << ReadFile(log_);
  // Wait until everything is applied, drift was evaluated (online and refit) and the retrain
  // policy saw the fall.
  std::string scrape;
  for (int i = 0; i < 1200; ++i) {
    scrape = HttpRequest(port, "GET", "/metrics").body;
    if (scrape.find("segd_events_applied_total " + std::to_string(history.size())) !=
            std::string::npos &&
        scrape.find("segd_drift_ari{method=\"refit\"} Nan") == std::string::npos &&
        scrape.find("segd_drift_ari{method=\"online\"} Nan") == std::string::npos &&
        scrape.find("segd_consumer_lag_messages{") != std::string::npos &&
        scrape.find("segd_retrain_recommended 1") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(scrape.find("segd_events_applied_total " + std::to_string(history.size())),
            std::string::npos)
      << ReadFile(log_);
  ASSERT_NE(scrape.find("segd_retrain_recommended 1"), std::string::npos) << scrape;
  // Lookups feed the latency histogram.
  EXPECT_EQ(HttpRequest(port, "GET", "/v1/customers/" + history[0].key).status, 200);
  EXPECT_EQ(HttpRequest(port, "GET", "/v1/customers/nobody").status, 404);
  scrape = HttpRequest(port, "GET", "/metrics").body;
  EXPECT_NE(scrape.find("segd_http_request_duration_seconds_count{code=\"404\",route=\"/v1/"
                        "customers/{id}\"} 1"),
            std::string::npos)
      << scrape;
  EXPECT_EQ(scrape.find("nobody"), std::string::npos);  // never a customer id in a label
  // Caught up: no lag, once the lag is next measured (every 2 s).
  const std::regex no_lag(R"re(\nsegd_consumer_lag_messages\{topic="[^"]+",partition="3"\} 0\n)re");
  for (int i = 0; i < 100 && !std::regex_search(scrape, no_lag); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    scrape = HttpRequest(port, "GET", "/metrics").body;
  }
  EXPECT_TRUE(std::regex_search(scrape, no_lag)) << scrape;
  // Every segd_ metric the rules and the dashboard use is in the scrape.
  for (const char* file :
       {"/deploy/prometheus/segd-rules.yml", "/deploy/grafana/dashboards/segd-drift.json"}) {
    const std::string text = ReadFile(std::string(SEGD_SOURCE_DIR) + file);
    ASSERT_FALSE(text.empty()) << file;
    const std::regex name(R"(\bsegd_[a-z_]+)");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), name);
         it != std::sregex_iterator(); ++it) {
      EXPECT_NE(scrape.find("\n" + it->str()), std::string::npos)
          << file << " uses " << it->str() << ", which segd does not export";
    }
  }
  EXPECT_NE(scrape.find("segd_model_info{baseline_version=\"1\""), std::string::npos);

  const std::string scrape_file = dir_.Sub("scrape.txt"), promtool_out = dir_.Sub("promtool.txt");
  std::ofstream(scrape_file) << scrape;
  const int rc = std::system(
      ("promtool check metrics < " + scrape_file + " > " + promtool_out + " 2>&1").c_str());
  EXPECT_EQ(rc, 0) << ReadFile(promtool_out);

  // A real Prometheus scrapes segd every second with segd's rules loaded.
  const int prom_port = FreePort();
  const std::string prom_config = dir_.Sub("prometheus.yml");
  std::ofstream(prom_config) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                             << "rule_files: [\"" << SEGD_SOURCE_DIR
                             << "/deploy/prometheus/segd-rules.yml\"]\n"
                             << "scrape_configs:\n  - job_name: segd\n    static_configs:\n"
                             << "      - targets: [\"127.0.0.1:" << port << "\"]\n";
  ChildProcess prometheus({"/usr/bin/prometheus", "--config.file=" + prom_config,
                           "--storage.tsdb.path=" + dir_.Sub("tsdb"),
                           "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                          {}, dir_.Sub("prometheus.log"));
  double applied = std::nan(""), up = 0, ari = std::nan("");
  for (int i = 0; i < 300 && (std::isnan(applied) || up != 1 || std::isnan(ari)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    up = Query(prom_port, "up{job=\"segd\"}");
    applied = Query(prom_port, "segd_events_applied_total");
    ari = Query(prom_port, "segd_drift_ari{method=\"online\"}");
  }
  EXPECT_EQ(up, 1) << ReadFile(dir_.Sub("prometheus.log"));
  EXPECT_EQ(applied, double(history.size()));
  EXPECT_GT(ari, 0.0);
  EXPECT_LE(ari, 1.0);
  EXPECT_EQ(Query(prom_port, "segd_baseline_version"), 1);
  // Wait for two rule evaluations, then every rule group must be healthy.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const auto rules =
      nlohmann::json::parse(HttpRequest(prom_port, "GET", "/api/v1/rules").body, nullptr, false);
  ASSERT_FALSE(rules.is_discarded());
  int checked = 0;
  for (const auto& group : rules["data"]["groups"]) {
    for (const auto& rule : group["rules"]) {
      EXPECT_EQ(rule["health"], "ok") << rule.dump();
      ++checked;
    }
  }
  EXPECT_GE(checked, 5);
  // Every dashboard query runs (variables as Grafana would fill them).
  const auto dashboard = nlohmann::json::parse(
      ReadFile(std::string(SEGD_SOURCE_DIR) + "/deploy/grafana/dashboards/segd-drift.json"));
  int queries = 0;
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel.value("targets", nlohmann::json::array())) {
      std::string expr = target.value("expr", "");
      if (expr.empty()) continue;
      for (const auto& [var, value] :
           std::vector<std::pair<std::string, std::string>>{{"$__rate_interval", "1m"},
                                                            {"$__interval", "15s"},
                                                            {"$__range", "1h"},
                                                            {"$job", "segd"},
                                                            {"$instance", ".*"}}) {
        for (size_t at; (at = expr.find(var)) != std::string::npos;) {
          expr.replace(at, var.size(), value);
        }
      }
      const auto r = nlohmann::json::parse(
          HttpRequest(prom_port, "GET", "/api/v1/query?query=" + UrlEncode(expr)).body, nullptr,
          false);
      EXPECT_TRUE(!r.is_discarded() && r["status"] == "success")
          << panel.value("title", "") << ": " << expr << " -> " << r.dump();
      ++queries;
    }
  }
  EXPECT_GE(queries, 10);
  // The drift alert goes pending (it fires after its `for:`), and nothing else is firing.
  std::string drift_state;
  for (int i = 0; i < 100 && drift_state.empty(); ++i) {
    const auto alerts =
        nlohmann::json::parse(HttpRequest(prom_port, "GET", "/api/v1/alerts").body, nullptr, false);
    for (const auto& a : alerts["data"]["alerts"]) {
      if (a["labels"]["alertname"] == "SegdDriftWarning") drift_state = a["state"];
      if (a["labels"]["alertname"] != "SegdDriftWarning" &&
          a["labels"]["alertname"] != "SegdRetrainRecommended") {
        EXPECT_NE(a["state"], "firing") << a.dump();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(drift_state == "pending" || drift_state == "firing")
      << "state: " << drift_state << "; online ARI "
      << Query(prom_port, "segd_drift_ari{method=\"online\"}") << ", threshold "
      << Query(prom_port, "segd_drift_threshold{level=\"warning\"}") << ", alerts "
      << HttpRequest(prom_port, "GET", "/api/v1/alerts").body;
}

}  // namespace
}  // namespace segd::testing
