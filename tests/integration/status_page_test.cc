// The status page in a real browser: a child segd consumes a generated history with a spend shift
// from the mock cluster (a bootstrapped baseline, event-time drift evaluations, one segment named
// in the configuration with markup characters), then headless Chromium loads
// http://127.0.0.1:PORT/, runs the page's scripts and dumps the rendered DOM. The names, sizes
// and shares of /v1/segments, the online ARI and retrain flag of /v1/model and the messages and
// lag of /v1/status are on the page, as text, and so are the links to the JSON API.
// Without /usr/bin/chromium the test fails under CI=true (tools/setup.sh installs it) and is
// skipped elsewhere.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "integration/kafka_test_env.h"
#include "segd/replay/event_json_writer.h"
#include "segd/replay/olist_generator.h"
#include "testing/child_process.h"
#include "testing/http_get.h"

namespace segd::testing {
namespace {

using nlohmann::json;

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";
constexpr char kChromium[] = "/usr/bin/chromium";
// A configured segment name the page must show as text, never as markup.
constexpr char kMarkupName[] = R"(big <spenders> & "co")";

// Text as Chromium serialises a text node (&, <, > and no-break spaces escaped).
std::string SerializedText(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

// The text inside the element with id `id` (up to its first child tag), or "<missing>".
std::string TextOf(const std::string& dom, const std::string& id) {
  std::smatch m;
  const std::regex element("id=\"" + id + "\"[^>]*>([^<]*)<");
  return std::regex_search(dom, m, element) ? m[1].str() : "<missing>";
}

// The page's number formats: thousands grouped with commas, shares as percent with one decimal,
// ARI with three.
std::string Grouped(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

class StatusPageTest : public KafkaTestEnv {
 protected:
  // Produces the history and starts a child segd on it; returns its HTTP port (0: it failed).
  int StartSegd(std::unique_ptr<ChildProcess>* segd) {
    std::string event;
    EXPECT_TRUE(OlistGenerator({.seed = 11,
                                .customers = 3000,
                                .drift = DriftKind::kSpendShift,
                                .drift_start_ms = ParseRfc3339Ms("2018-01-01T00:00:00Z").value(),
                                .drift_factor = 4.0})
                    .Generate([&](const Event& e) {
                      event.clear();
                      AppendEventJson(e, &event);
                      events_.push_back({e.subject, event});
                      return Status::Ok();
                    })
                    .ok());
    const std::string topic = NewTopic(2);
    Produce(topic, events_);
    const std::string config = dir_.Sub("segd.yaml");
    std::ofstream(config) << "kafka:\n  brokers: \"" << broker_->bootstrap_servers()
                          << "\"\n  topics: [" << topic << "]\n  group_id: g-" << topic
                          << "\n  auto_offset_reset: error\n  session_timeout_ms: 6000\n"
                          << "  heartbeat_interval_ms: 1000\nstorage:\n  path: "
                          << dir_.Sub("state") << "\nhttp:\n  bind: \"127.0.0.1:0\"\n"
                          << "model:\n  k: 4\n  n_init: 2\n  live_batch_events: 200\n"
                          << "  bootstrap_min_customers: 800\n  segment_names: ['" << kMarkupName
                          << "', '', '', '']\n"
                          << "drift:\n  every_seconds: 0\n  refit_every: 4\n";
    log_ = dir_.Sub("segd.log");
    *segd =
        std::make_unique<ChildProcess>(std::vector<std::string>{kSegd, "--config", config, "run"},
                                       std::vector<std::string>{}, log_);
    return WaitForHttpPort(log_);
  }

  // /v1/status once every event is consumed, evaluated and the lag measured at zero.
  json WaitUntilSettled(int port) {
    json status;
    for (int i = 0; i < 1200; ++i) {
      status = json::parse(HttpRequest(port, "GET", "/v1/status").body, nullptr, false);
      const json model = Get(port, "/v1/model");
      if (!status.is_discarded() && status["ingest"]["messages"] == events_.size() &&
          status["lag"]["messages"] == 0 && model.is_object() &&
          !model["drift"]["evaluated_at"].is_null()) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return status;
  }

  static json Get(int port, const std::string& path) {
    return json::parse(HttpRequest(port, "GET", path).body, nullptr, false);
  }

  // The DOM Chromium renders at `url` after up to 10 s of virtual time (the page's first two
  // refreshes); the browser's own log goes to `log`.
  static std::string DumpDom(const std::string& url, const std::string& profile,
                             const std::string& log) {
    // Without the background-networking flags Chromium waits for the network on a closed host.
    const std::string command =
        std::string("timeout 120 ") + kChromium +
        " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
        " --disable-background-networking --disable-component-update --disable-sync"
        " --user-data-dir=" +
        profile + " --virtual-time-budget=10000 --dump-dom " + url + " 2>" + log;
    std::string dom;
    FILE* out = popen(command.c_str(), "r");
    if (out == nullptr) return dom;
    char buf[8192];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), out)) > 0;) dom.append(buf, n);
    pclose(out);
    return dom;
  }

  std::vector<KeyedEvent> events_;
  std::string log_;
};

TEST_F(StatusPageTest, ChromiumRendersTheSegmentsDriftAndIngestOfARunningSegd) {
  if (access(kChromium, X_OK) != 0) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string(ci) == "true") {
      FAIL() << kChromium << " is missing: tools/setup.sh installs the chromium package";
    }
    GTEST_SKIP() << kChromium << " is missing (apt-get install chromium, or tools/setup.sh)";
  }
  std::unique_ptr<ChildProcess> segd;
  const int port = StartSegd(&segd);
  ASSERT_GT(port, 0) << ReadFile(log_);
  const json status = WaitUntilSettled(port);
  ASSERT_EQ(status["ingest"]["messages"], events_.size()) << ReadFile(log_);
  ASSERT_EQ(status["lag"]["messages"], 0) << status.dump();
  const json model = Get(port, "/v1/model"), segments = Get(port, "/v1/segments");
  ASSERT_FALSE(model["drift"]["evaluated_at"].is_null()) << model.dump();
  ASSERT_EQ(segments["segments"].size(), 4u) << segments.dump();

  const auto start = std::chrono::steady_clock::now();
  const std::string dom = DumpDom("http://127.0.0.1:" + std::to_string(port) + "/",
                                  dir_.Sub("chromium-profile"), dir_.Sub("chromium.log"));
  std::printf("chromium rendered the page in %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  ASSERT_NE(dom.find("<h1>segd"), std::string::npos) << dom << ReadFile(dir_.Sub("chromium.log"));
  EXPECT_EQ(Get(port, "/v1/model")["drift"], model["drift"]) << "an evaluation ran meanwhile";

  // Every segment's name, sizes and shares under both models, as /v1/segments reports them.
  for (const json& s : segments["segments"]) {
    const std::string id = "seg-" + std::to_string(s["id"].get<int>()) + "-";
    SCOPED_TRACE(s.dump());
    EXPECT_EQ(TextOf(dom, id + "name"), SerializedText(s["name"].get<std::string>()));
    EXPECT_EQ(TextOf(dom, id + "size"), Grouped(s["size"].get<uint64_t>()));
    EXPECT_EQ(TextOf(dom, id + "share"), Fixed(100 * s["share"].get<double>(), 1) + "%");
    EXPECT_EQ(TextOf(dom, id + "baseline-size"), Grouped(s["baseline"]["size"].get<uint64_t>()));
    EXPECT_EQ(TextOf(dom, id + "baseline-share"),
              Fixed(100 * s["baseline"]["share"].get<double>(), 1) + "%");
  }
  EXPECT_EQ(TextOf(dom, "seg-0-name"), SerializedText(kMarkupName));
  EXPECT_EQ(dom.find("<spenders>"), std::string::npos);  // the name stayed text

  // The last evaluation's online ARI, the thresholds and the retrain flag.
  const json& drift = model["drift"];
  EXPECT_EQ(TextOf(dom, "ari-online"), Fixed(drift["ari"]["online"].get<double>(), 3));
  EXPECT_EQ(TextOf(dom, "ari-threshold"), Fixed(drift["threshold"].get<double>(), 2));
  EXPECT_EQ(TextOf(dom, "retrain-flag"),
            drift["retrain_recommended"].get<bool>()
                ? "retrain recommended (" + drift["severity"].get<std::string>() + ")"
                : "no retrain needed");
  EXPECT_EQ(TextOf(dom, "drift-as-of"), drift["as_of"].get<std::string>().substr(0, 10));
  EXPECT_NE(dom.find(R"(id="ari-chart")"), std::string::npos);
  EXPECT_TRUE(std::regex_search(dom, std::regex(R"(<img [^>]*src="blob:)"))) << "no chart";

  // Ingest and lag, and no error banner.
  EXPECT_EQ(TextOf(dom, "ingest-messages"), Grouped(events_.size()));
  EXPECT_EQ(TextOf(dom, "lag-total"), "0");
  EXPECT_EQ(TextOf(dom, "ready"), "ready");
  EXPECT_NE(dom.find(R"(<div id="error" hidden="")"), std::string::npos);
  for (const char* path : {"/v1/status", "/v1/segments", "/v1/model", "/v1/drift",
                           "/v1/drift/chart.svg", "/metrics", "/readyz", "/livez"}) {
    EXPECT_NE(dom.find("href=\"" + std::string(path) + "\""), std::string::npos) << path;
  }
}

}  // namespace
}  // namespace segd::testing
