// segd's /metrics as Prometheus sees it: a child segd consumes a replay from the mock cluster;
// its scrape passes `promtool check metrics`; a real `prometheus` server scrapes it with
// deploy/prometheus/segd-rules.yml loaded, every rule evaluates without error, and the queried
// values equal what segd applied.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "integration/kafka_test_env.h"
#include "testing/child_process.h"
#include "testing/http_get.h"

namespace segd::testing {
namespace {

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

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

  // Starts a child segd on a replay of `customers` customers; returns its HTTP port.
  int StartSegd(const std::vector<KeyedEvent>& history, std::unique_ptr<ChildProcess>* segd) {
    const std::string topic = NewTopic(1);
    Produce(topic, history);
    const std::string config = dir_.Sub("segd.yaml");
    std::ofstream(config) << "kafka:\n  brokers: \"" << broker_->bootstrap_servers()
                          << "\"\n  topics: [" << topic << "]\n  group_id: g-" << topic
                          << "\n  auto_offset_reset: error\n  session_timeout_ms: 3000\n"
                          << "  heartbeat_interval_ms: 500\nstorage:\n  path: " << dir_.Sub("state")
                          << "\nhttp:\n  bind: \"127.0.0.1:0\"\n"
                          << "model:\n  k: 3\n  n_init: 2\n  bootstrap_min_customers: 100\n"
                          << "drift:\n  every_seconds: 1\n  refit_every: 2\n";
    log_ = dir_.Sub("segd.log");
    *segd =
        std::make_unique<ChildProcess>(std::vector<std::string>{kSegd, "--config", config, "run"},
                                       std::vector<std::string>{}, log_);
    const std::regex serving(R"(serving http://127\.0\.0\.1:(\d+)/)");
    for (int i = 0; i < 200; ++i) {
      std::smatch m;
      const std::string text = ReadFile(log_);
      if (std::regex_search(text, m, serving)) return std::stoi(m[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }

  std::string log_;
};

TEST_F(PrometheusTest, PromtoolAcceptsTheScrapeAndPrometheusEvaluatesTheRules) {
  const auto history = MakeHistory(500, 61);
  std::unique_ptr<ChildProcess> segd;
  const int port = StartSegd(history, &segd);
  ASSERT_GT(port, 0) << ReadFile(log_);
  // Wait until everything is applied and drift has been evaluated twice (online and refit).
  std::string scrape;
  for (int i = 0; i < 300; ++i) {
    scrape = HttpRequest(port, "GET", "/metrics").body;
    if (scrape.find("segd_events_applied_total " + std::to_string(history.size())) !=
            std::string::npos &&
        scrape.find("segd_drift_ari{method=\"refit\"} Nan") == std::string::npos &&
        scrape.find("segd_drift_ari{method=\"online\"} Nan") == std::string::npos &&
        scrape.find("segd_consumer_lag_messages{") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(scrape.find("segd_events_applied_total " + std::to_string(history.size())),
            std::string::npos)
      << ReadFile(log_);
  // Lookups feed the latency histogram.
  EXPECT_EQ(HttpRequest(port, "GET", "/v1/customers/" + history[0].event.subject).status, 200);
  EXPECT_EQ(HttpRequest(port, "GET", "/v1/customers/nobody").status, 404);
  scrape = HttpRequest(port, "GET", "/metrics").body;
  EXPECT_NE(scrape.find("segd_http_request_duration_seconds_count{code=\"404\",route=\"/v1/"
                        "customers/{id}\"} 1"),
            std::string::npos)
      << scrape;
  EXPECT_EQ(scrape.find("nobody"), std::string::npos);  // never a customer id in a label
  // Caught up: no lag.
  EXPECT_TRUE(std::regex_search(
      scrape, std::regex(R"re(\nsegd_consumer_lag_messages\{topic="[^"]+",partition="0"\} 0\n)re")))
      << scrape;
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
  // Nothing is wrong with this segd, so no alert is firing.
  const auto alerts =
      nlohmann::json::parse(HttpRequest(prom_port, "GET", "/api/v1/alerts").body, nullptr, false);
  for (const auto& a : alerts["data"]["alerts"]) EXPECT_NE(a["state"], "firing") << a.dump();
}

}  // namespace
}  // namespace segd::testing
