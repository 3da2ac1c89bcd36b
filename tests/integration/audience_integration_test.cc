// Audiences end to end (issue 16, "done when": paging through a segment gives every member
// exactly once while ingest goes on; `segd export` output equals the lookups for the same
// snapshot). A child segd on the mock cluster consumes the first part of a history and idles;
// the first page of every listing (each segment under the live model, and every customer) is
// taken then, so the snapshot's content is known exactly: the domain code's state after the
// first part. The rest of the history is produced and the listings are paged through while segd
// ingests it: each gives every customer of the snapshot exactly once, with its state as of the
// snapshot, and none written later; the segments' listings together equal the every-customer
// listing. Once ingest stops, `segd export` (through the running segd, then directly from the
// store after it stopped) equals the lookups GET /v1/customers/{id}, as JSON lines and as CSV.
//
// CI size: 2,000 customers on 2 partitions. Bigger:
//   SEGD_AUDIENCE_CUSTOMERS=50000 SEGD_AUDIENCE_PARTITIONS=8
//   build/tests/integration/audience_integration_test
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "app/audience_writer.h"
#include "integration/kafka_test_env.h"
#include "testing/child_process.h"
#include "testing/http_get.h"

namespace segd::testing {
namespace {

using nlohmann::json;

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

// One listing paged through by the test: its path and the items read so far.
struct Listing {
  std::string path;  // /v1/segments/{id}/customers?page_size=N
  std::string token;
  bool done = false;
  std::vector<json> items;
};

class AudienceIntegrationTest : public KafkaTestEnv {
 protected:
  // Small synced batches keep ingest slow enough to page through it. A fixed port, so that
  // `segd export` finds the daemon from http.bind as an operator's would.
  std::string WriteConfig(const SegdConfig& c, int port) {
    const std::string path = dir_.Sub("segd.yaml");
    std::ofstream(path) << "kafka:\n  brokers: \"" << c.kafka.brokers << "\"\n  topics: ["
                        << c.kafka.topics[0] << "]\n  group_id: " << c.kafka.group_id
                        << "\n  auto_offset_reset: error\n  session_timeout_ms: 3000\n"
                        << "  heartbeat_interval_ms: 500\nstorage:\n  path: " << c.storage.path
                        << "\n  sync_writes: true\n  block_cache_mb: 8\n  write_buffer_mb: 4\n"
                        << "ingest:\n  batch_max_events: 25\n  batch_linger_ms: 5\n"
                        << "http:\n  bind: \"127.0.0.1:" << port << "\"\n"
                        << "model:\n  k: 4\n  n_init: 2\n  bootstrap_min_customers: 200\n"
                        << "drift:\n  every_event_days: 0\n  every_seconds: 3600\n";
    return path;
  }

  // Reads the next page of `l` from the segd on `port`.
  void NextPage(int port, Listing* l) {
    const std::string target = l->path + (l->token.empty() ? "" : "&page_token=" + l->token);
    const HttpReply r = HttpRequest(port, "GET", target);
    ASSERT_EQ(r.status, 200) << target << "\n" << r.body;
    const json page = json::parse(r.body);
    for (const json& c : page["customers"]) l->items.push_back(c);
    l->done = page["next_page_token"].is_null();
    if (!l->done) l->token = page["next_page_token"];
  }

  // Waits until segd has committed `events` messages (false after ~60 s).
  bool WaitConsumed(const std::string& state, uint64_t events, ChildProcess& segd) {
    for (int i = 0; i < 1200; ++i) {
      if (StoredConsumed(state) >= events) return true;
      if (segd.Wait(std::chrono::milliseconds(0)).has_value()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // Runs one `segd` command to its end; returns its exit code (-1: still running after 120 s)
  // and its stderr in *err.
  int Segd(const std::vector<std::string>& args, std::string* err) {
    const std::string log = dir_.Sub("command-" + std::to_string(commands_++) + ".log");
    std::vector<std::string> argv = {kSegd};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess p(argv, {}, log);
    const auto code = p.Wait(std::chrono::seconds(120));
    *err = ReadFile(log);
    return code.value_or(-1);
  }

  int commands_ = 0;
};

// Each item's state fields equal the customer's `expected` state.
void ExpectStatesAsOf(const std::vector<json>& items, MemoryStateStore& expected) {
  for (const json& c : items) {
    const std::string id = c["customer_id"];
    std::vector<std::optional<CustomerState>> s;
    ASSERT_TRUE(expected.GetCustomers({id}, &s).ok());
    ASSERT_TRUE(s[0].has_value()) << id << " was not in the snapshot";
    EXPECT_EQ(c["state"]["order_count"], s[0]->order_count) << id;
    EXPECT_EQ(c["state"]["review_count"], s[0]->review_count) << id;
    EXPECT_EQ(c["state"]["items"], s[0]->item_sum) << id;
    EXPECT_NEAR(c["state"]["total_amount"].get<double>(), s[0]->total_amount, 1e-9) << id;
  }
}

std::vector<json> ReadJsonLines(const std::string& path) {
  std::ifstream lines(path);
  std::vector<json> out;
  for (std::string line; std::getline(lines, line);) out.push_back(json::parse(line));
  return out;
}

std::set<std::string> IdsOnce(const std::vector<json>& items, const std::string& what) {
  std::set<std::string> ids;
  for (const json& c : items) {
    EXPECT_TRUE(ids.insert(c["customer_id"].get<std::string>()).second)
        << c["customer_id"] << " twice in " << what;
  }
  return ids;
}

TEST_F(AudienceIntegrationTest, PagingDuringIngestAndExportEqualLookups) {
  const int customers = EnvInt("SEGD_AUDIENCE_CUSTOMERS", 2000);
  const int partitions = EnvInt("SEGD_AUDIENCE_PARTITIONS", 2);
  const int page_size = EnvInt("SEGD_AUDIENCE_PAGE_SIZE", 20);
  const std::string topic = NewTopic(partitions);
  const auto history = InEventTimeOrder(MakeHistory(customers, 23));
  const size_t first_part = history.size() / 2;
  const std::vector<KeyedEvent> before(history.begin(), history.begin() + first_part);
  Produce(topic, before);
  SegdConfig c = Config(topic, dir_.Sub("state"));
  const int port = FreePort();
  const std::string config = WriteConfig(c, port);
  const std::string log = dir_.Sub("segd.log");
  ChildProcess segd({kSegd, "--config", config, "run"}, {}, log);
  ASSERT_TRUE(WaitConsumed(c.storage.path, before.size(), segd)) << ReadFile(log);

  // The snapshot: segd idles on the first part; every listing's first page pins it.
  const auto at_snapshot = ExpectedState(before);
  const json segments = json::parse(HttpRequest(port, "GET", "/v1/segments").body);
  const int k = int(segments["segments"].size());
  ASSERT_EQ(k, 4) << segments;
  std::vector<Listing> listings;
  const std::string size = "/customers?page_size=" + std::to_string(page_size);
  listings.push_back({.path = "/v1/segments/-" + size});
  for (int s = 0; s < k; ++s)
    listings.push_back({.path = "/v1/segments/" + std::to_string(s) + size});
  for (Listing& l : listings) NextPage(port, &l);
  const double customers_at_snapshot =
      MetricValue(HttpRequest(port, "GET", "/metrics").body, "segd_customers");

  // Ingest goes on while the listings are paged through, a page of each in turn: before each
  // round, segd has committed more of the second part (so commits fall between pages).
  const std::vector<KeyedEvent> after(history.begin() + first_part, history.end());
  Produce(topic, after);
  size_t round = 0;
  for (bool more = true; more; ++round) {
    const size_t target = before.size() + std::min(after.size(), (round + 1) * after.size() / 200);
    ASSERT_TRUE(WaitConsumed(c.storage.path, target, segd)) << ReadFile(log);
    more = false;
    for (Listing& l : listings) {
      if (l.done) continue;
      NextPage(port, &l);
      more |= !l.done;
    }
  }
  const double customers_after_paging =
      MetricValue(HttpRequest(port, "GET", "/metrics").body, "segd_customers");
  EXPECT_GT(customers_after_paging, customers_at_snapshot) << "no ingest while paging";

  std::set<std::string> expected_ids;
  ASSERT_TRUE(at_snapshot
                  ->ScanCustomers([&](std::string_view id, const CustomerState&) {
                    expected_ids.emplace(id);
                    return true;
                  })
                  .ok());
  const std::set<std::string> everyone = IdsOnce(listings[0].items, "every customer");
  EXPECT_EQ(everyone, expected_ids);  // the snapshot's customers, none written later
  ExpectStatesAsOf(listings[0].items, *at_snapshot);
  std::set<std::string> with_segment, in_segments;
  for (const json& c : listings[0].items) {
    if (!c["segment"].is_null()) with_segment.insert(c["customer_id"].get<std::string>());
  }
  size_t listed = 0;
  for (int s = 0; s < k; ++s) {
    const Listing& l = listings[size_t(s) + 1];
    const std::set<std::string> ids = IdsOnce(l.items, l.path);
    ExpectStatesAsOf(l.items, *at_snapshot);
    for (const json& c : l.items) EXPECT_EQ(c["segment"]["id"], s) << c["customer_id"];
    listed += l.items.size();
    in_segments.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(listed, in_segments.size());  // no customer in two segments
  EXPECT_EQ(in_segments, with_segment);
  EXPECT_GT(with_segment.size(), expected_ids.size() / 2);
  std::printf(
      "snapshot: %zu customers (%zu with a segment) in %zu rounds of pages of %d; segd "
      "had %.0f customers after paging\n",
      expected_ids.size(), with_segment.size(), round, page_size, customers_after_paging);

  // Ingest stops (every event committed, and the watermark, which the lookups' features use,
  // at the last event); `segd export` through the running segd equals the lookups.
  ASSERT_TRUE(WaitConsumed(c.storage.path, history.size(), segd)) << ReadFile(log);
  int64_t last_event_ms = 0;
  for (const KeyedEvent& e : history) last_event_ms = std::max(last_event_ms, e.event.time_ms);
  for (int i = 0; i < 600; ++i) {
    const json model = json::parse(HttpRequest(port, "GET", "/v1/model").body);
    if (model["live"]["as_of"] == FormatRfc3339(last_event_ms)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string err;
  const std::string jsonl = dir_.Sub("export.jsonl"), csv = dir_.Sub("export.csv");
  ASSERT_EQ(Segd({"--config", config, "export", "--format", "jsonl", "--output", jsonl}, &err), 0)
      << err;
  ASSERT_EQ(Segd({"--config", config, "export", "--format", "csv", "--output", csv}, &err), 0)
      << err;
  const std::vector<json> exported = ReadJsonLines(jsonl);
  std::set<std::string> all_ids;
  ASSERT_TRUE(ExpectedState(history)
                  ->ScanCustomers([&](std::string_view id, const CustomerState&) {
                    all_ids.emplace(id);
                    return true;
                  })
                  .ok());
  EXPECT_EQ(IdsOnce(exported, "the export"), all_ids);
  std::string expected_csv;
  {
    const json first =
        json::parse(HttpRequest(port, "GET", "/v1/segments/-/customers?page_size=1").body);
    char* buffer = nullptr;
    size_t length = 0;
    std::FILE* out = open_memstream(&buffer, &length);
    AudienceWriter writer(ExportFormat::kCsv, out,
                          first["features"].get<std::vector<std::string>>());
    writer.Begin();
    for (const json& c : exported) {
      const HttpReply r =
          HttpRequest(port, "GET", "/v1/customers/" + c["customer_id"].get<std::string>());
      ASSERT_EQ(r.status, 200) << r.body;
      const json lookup = json::parse(r.body);
      EXPECT_EQ(c, lookup);
      writer.Write(lookup);
    }
    ASSERT_TRUE(writer.Finish());
    std::fclose(out);
    expected_csv.assign(buffer, length);
    std::free(buffer);
  }
  EXPECT_EQ(ReadFile(csv), expected_csv);

  // Stopped, segd no longer holds the store: `segd export` reads it directly, alike.
  segd.Signal(SIGTERM);
  ASSERT_EQ(segd.Wait(std::chrono::seconds(60)), 0) << ReadFile(log);
  const std::string direct = dir_.Sub("direct.jsonl");
  ASSERT_EQ(Segd({"--config", config, "export", "--format", "jsonl", "--output", direct}, &err), 0)
      << err;
  EXPECT_EQ(ReadJsonLines(direct), exported);
}

}  // namespace
}  // namespace segd::testing
