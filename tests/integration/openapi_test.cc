// deploy/openapi.yaml against live servers (civetweb + the Api over real RocksDB): every request
// below answers with a status the file documents for its path and method, in the documented
// media type, with a body that has every documented required field of the documented type; and
// every documented (path, method, status) is produced by at least one request.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "app/api.h"
#include "app/backup_endpoint.h"
#include "app/drift_monitor.h"
#include "segd/audience/page_token.h"
#include "segd/metrics/metrics_exposition.h"
#include "segd/state/rocksdb_state_store.h"
#include "testing/http_get.h"
#include "testing/temp_dir.h"
#include "testing/test_history.h"

namespace segd {
namespace {

using nlohmann::json;

const int64_t kNow = ParseRfc3339Ms("2020-01-01T00:00:00Z").value();

class NoDeadLetters : public DeadLetterSink {
 public:
  Status Send(const RawMessage&, const Rejection&) override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
};

// Real RocksDB underneath; reads fail while `fail_reads` is set (a disk error on demand, for
// the documented 500s).
class FaultyReads : public StateStore {
 public:
  explicit FaultyReads(std::unique_ptr<StateStore> inner) : inner_(std::move(inner)) {}
  std::atomic<bool> fail_reads{false};

  Status GetCustomers(const std::vector<std::string_view>& ids,
                      std::vector<std::optional<CustomerState>>* out) override {
    if (fail_reads) return IoError("injected read error");
    return inner_->GetCustomers(ids, out);
  }
  Status GetRecords(const std::vector<std::string_view>& ids,
                    std::vector<std::optional<CustomerRecord>>* out) override {
    if (fail_reads) return IoError("injected read error");
    return inner_->GetRecords(ids, out);
  }
  Status HasLegacyEvents(const std::vector<std::string_view>& ids,
                         std::vector<bool>* out) override {
    return inner_->HasLegacyEvents(ids, out);
  }
  Status ScanCustomers(
      const std::function<bool(std::string_view, const CustomerState&)>& fn) override {
    return inner_->ScanCustomers(fn);
  }
  Status ScanRecords(
      std::string_view from,
      const std::function<bool(std::string_view, const CustomerRecord&)>& fn) override {
    return inner_->ScanRecords(from, fn);
  }
  Status ReadProgress(std::vector<std::pair<TopicPartition, PartitionProgress>>* out) override {
    return inner_->ReadProgress(out);
  }
  StatusOr<std::optional<std::string>> GetMeta(std::string_view name) override {
    if (fail_reads) return IoError("injected read error");
    return inner_->GetMeta(name);
  }
  Status ScanMeta(std::string_view prefix, std::string_view from,
                  const std::function<bool(std::string_view, std::string_view)>& fn) override {
    if (fail_reads) return IoError("injected read error");
    return inner_->ScanMeta(prefix, from, fn);
  }
  Status Commit(const StateDelta& delta) override { return inner_->Commit(delta); }
  StatusOr<StoreBackup> Backup(const StoreBackupRequest& request) override {
    return inner_->Backup(request);
  }
  StatusOr<std::shared_ptr<const CustomerSnapshot>> SnapshotCustomers() override {
    if (fail_reads) return IoError("injected read error");
    return inner_->SnapshotCustomers();
  }

 private:
  std::unique_ptr<StateStore> inner_;
};

// One segd HTTP stack: store, pipeline (with a consumer thread running requested retrains
// when `consumer`), drift monitor, metrics, Api, civetweb.
// Routes every customer the same way (a member of a group of several instances).
class FixedLocator : public CustomerLocator {
 public:
  explicit FixedLocator(CustomerRoute route) : route_(std::move(route)) {}
  CustomerRoute Locate(std::string_view) const override { return route_; }
  void CountForwarded() const override {}

 private:
  CustomerRoute route_;
};

class Stack {
 public:
  Stack(const std::string& dir, const SegdConfig& config, bool ingest, bool consumer,
        const CustomerLocator* locator = nullptr)
      : metrics_({.stats = &stats_, .ready = [] { return true; }}) {
    StorageOptions o;
    o.path = dir;
    auto opened = OpenRocksDbStateStore(o);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::make_unique<FaultyReads>(std::move(*opened));
    backup_ = std::make_unique<BackupEndpoint>(store_.get(), dir, "openapi test");
    pipeline_ = std::make_unique<IngestPipeline>(DecoderOptions{}, store_.get(), &dlq_, &stats_,
                                                 [] { return kNow; });
    EXPECT_TRUE(
        pipeline_->Load({.train = {.k = 3, .n_init = 2}, .bootstrap_min_customers = 100}).ok());
    drift_ = std::make_unique<DriftMonitor>(config.drift, store_.get(), pipeline_.get(), &stats_);
    if (ingest) {
      const auto history = testing::MakeHistory(300, 51);
      std::vector<RawMessage> messages;
      for (size_t i = 0; i < history.size(); ++i) {
        messages.push_back({"orders", 0, int64_t(i), true, history[i].key, history[i].json});
      }
      customer_ = history[0].event.subject;
      EXPECT_TRUE(pipeline_->Process(messages).ok());
      EXPECT_TRUE(drift_->EvaluateOnce().ok());
    }
    api_ = std::make_unique<Api>(
        config,
        ApiSources{
            .store = store_.get(),
            .pipeline = pipeline_.get(),
            .stats = &stats_,
            .drift = [this] { return drift_->status(); },
            .not_ready_reason = [] { return ""; },
            .metrics = [this] { return metrics_.Scrape(); },
            .drift_history = &drift_->history(),
            .locator = locator,
            .forward = SendHttpRequest,
            .admin_backup = [this](const HttpRequest& r) { return backup_->Handle(r); },
            .lag = Lag,
            .members = locator ? std::function<std::vector<MemberRecord>()>(Members) : nullptr});
    auto server = HttpServer::Start(
        config.http, [this](const HttpRequest& r) { return api_->Handle(r); },
        [this](const std::string& route, int status, double s) {
          metrics_.ObserveRequest(route, status, s);
        });
    EXPECT_TRUE(server.ok());
    server_ = std::move(*server);
    if (consumer) StartConsumer();
  }
  ~Stack() {
    server_.reset();
    stop_ = true;
    if (consumer_.joinable()) consumer_.join();
  }
  void StartConsumer() {
    consumer_ = std::thread([this] {
      while (!stop_) {
        EXPECT_TRUE(pipeline_->RunRequestedWork().ok());
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
  }
  // The consumer lag and, for a member with a locator, its group (GET /v1/status).
  static std::vector<PartitionLag> Lag() { return {{"orders", 0, 12}}; }
  static std::vector<MemberRecord> Members() {
    return {{.member_id = "a",
             .url = "http://127.0.0.1:1",
             .sent_ms = kNow,
             .partitions = {{"orders", 0}},
             .customers = 300,
             .watermark_ms = kNow},
            {.member_id = "b", .url = "http://127.0.0.1:2"}};
  }
  int port() const { return server_->port(); }
  const std::string& customer() const { return customer_; }
  FaultyReads& store() { return *store_; }

 private:
  IngestStats stats_;
  NoDeadLetters dlq_;
  MetricsExposition metrics_;
  std::unique_ptr<FaultyReads> store_;
  std::unique_ptr<BackupEndpoint> backup_;
  std::unique_ptr<IngestPipeline> pipeline_;
  std::unique_ptr<DriftMonitor> drift_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> server_;
  std::string customer_;
  std::atomic<bool> stop_{false};
  std::thread consumer_;
};

// yaml-cpp's Node::operator= writes through to the referenced node: move with reset() only.
YAML::Node Resolve(const YAML::Node& root, const YAML::Node& start_schema) {
  YAML::Node schema;
  schema.reset(start_schema);
  while (schema["$ref"]) {
    std::string ref = schema["$ref"].as<std::string>();  // "#/components/schemas/X"
    YAML::Node node;
    node.reset(root);
    for (size_t start = 2; start <= ref.size();) {
      const size_t end = std::min(ref.find('/', start), ref.size());
      YAML::Node next = node[ref.substr(start, end - start)];
      node.reset(next);
      start = end + 1;
    }
    schema.reset(node);
  }
  return schema;
}

bool Nullable(const YAML::Node& root, const YAML::Node& s) {
  const YAML::Node r = Resolve(root, s);
  if (r["nullable"] && r["nullable"].as<bool>()) return true;
  if (r["allOf"]) {
    for (const auto& sub : r["allOf"]) {
      if (Nullable(root, sub)) return true;
    }
  }
  return false;
}

void Validate(const YAML::Node& root, const YAML::Node& s, const json& v, const std::string& at,
              std::vector<std::string>* errors) {
  const YAML::Node schema = Resolve(root, s);
  if (v.is_null()) {
    if (!Nullable(root, schema)) errors->push_back(at + ": null but not nullable");
    return;
  }
  if (schema["allOf"]) {
    for (const auto& sub : schema["allOf"]) Validate(root, sub, v, at, errors);
  }
  const std::string type = schema["type"] ? schema["type"].as<std::string>() : "";
  const bool ok = type.empty() || (type == "object" && v.is_object()) ||
                  (type == "array" && v.is_array()) || (type == "string" && v.is_string()) ||
                  (type == "integer" && v.is_number_integer()) ||
                  (type == "number" && v.is_number()) || (type == "boolean" && v.is_boolean());
  if (!ok) {
    errors->push_back(at + ": expected " + type + ", got " + v.dump().substr(0, 60));
    return;
  }
  if (schema["enum"]) {
    bool listed = false;
    for (const auto& e : schema["enum"]) listed |= v.is_string() && e.as<std::string>() == v;
    if (!listed) errors->push_back(at + ": " + v.dump() + " is not in the enum");
  }
  if (v.is_object()) {
    std::set<std::string> known;
    if (schema["required"]) {
      for (const auto& r : schema["required"]) {
        if (!v.contains(r.as<std::string>())) {
          errors->push_back(at + ": missing required " + r.as<std::string>());
        }
      }
    }
    if (schema["properties"]) {
      for (const auto& p : schema["properties"]) {
        const std::string name = p.first.as<std::string>();
        known.insert(name);
        if (v.contains(name)) Validate(root, p.second, v[name], at + "." + name, errors);
      }
    }
    if (schema["additionalProperties"] && schema["additionalProperties"].IsMap()) {
      for (const auto& [name, value] : v.items()) {
        if (!known.contains(name)) {
          Validate(root, schema["additionalProperties"], value, at + "." + name, errors);
        }
      }
    }
  }
  if (v.is_array() && schema["items"]) {
    for (size_t i = 0; i < v.size(); ++i) {
      Validate(root, schema["items"], v[i], at + "[" + std::to_string(i) + "]", errors);
    }
  }
}

struct Case {
  Stack* stack;
  std::string method, path_template, path, body;
  std::vector<std::string> headers;
  int expected;
};

TEST(OpenApiTest, LiveServersAnswerAsDocumented) {
  const YAML::Node spec = YAML::LoadFile(std::string(SEGD_SOURCE_DIR) + "/deploy/openapi.yaml");
  testing::TempDir dir;
  SegdConfig with_token;
  with_token.http.bind = "127.0.0.1:0";
  with_token.http.threads = 4;
  with_token.http.admin_token = "t0ken";
  with_token.http.max_body_bytes = 4096;
  with_token.drift.refit_every = 0;
  with_token.http.max_open_listings = 1;
  SegdConfig empty_config = with_token;
  empty_config.http.admin_wait_ms = 300;
  SegdConfig no_token = with_token;
  no_token.http.admin_token.clear();

  Stack full(dir.Sub("full"), with_token, /*ingest=*/true, /*consumer=*/true);
  Stack empty(dir.Sub("empty"), empty_config, /*ingest=*/false, /*consumer=*/false);
  Stack closed(dir.Sub("closed"), no_token, /*ingest=*/false, /*consumer=*/false);
  // Members of a group: one whose partitions are all moving, one that forwards to `full`.
  const FixedLocator moving_partitions(
      {CustomerRoute::Kind::kUnavailable, "", "partition 3 is being caught up"});
  Stack moving(dir.Sub("moving"), no_token, false, false, &moving_partitions);
  const FixedLocator to_full(
      {CustomerRoute::Kind::kForward, "http://127.0.0.1:" + std::to_string(full.port())});
  Stack front(dir.Sub("front"), no_token, false, false, &to_full);
  const std::string auth = "Authorization: Bearer t0ken";
  const std::string c = "/v1/customers/{id}", b = "/v1/customers:batchGet", r = "/v1/admin/retrain";
  const std::string id = full.customer();
  const std::string k = "/v1/admin/backup";
  const std::string l = "/v1/segments/{id}/customers";
  const std::string expired = EncodePageToken({.snapshot_id = "00", .segment = 1});
  std::ofstream(dir.Sub("a-file")) << "not a directory";
  std::vector<Case> cases = {
      {&full, "GET", c, "/v1/customers/" + id, "", {}, 200},
      {&full, "GET", c, "/v1/customers/" + std::string(129, 'a'), "", {}, 400},
      {&full, "GET", c, "/v1/customers/nobody", "", {}, 404},
      {&moving, "GET", c, "/v1/customers/" + id, "", {}, 503},
      {&front, "GET", c, "/v1/customers/" + id, "", {}, 200},
      {&front, "GET", c, "/v1/customers/" + id, "", {"X-Segd-Forwarded: 1"}, 503},
      {&moving, "POST", b, b, json({{"ids", {id}}}).dump(), {}, 503},
      {&front, "POST", b, b, json({{"ids", {id, "nobody"}}}).dump(), {}, 200},
      {&full, "POST", c, "/v1/customers/" + id, "", {}, 405},
      {&full, "POST", b, b, json({{"ids", {id, "nobody"}}}).dump(), {}, 200},
      {&full, "POST", b, b, "{\"ids\": [", {}, 400},
      {&full, "GET", b, b, "", {}, 405},
      {&full, "POST", b, b, std::string(5000, ' '), {}, 413},
      {&full, "GET", "/v1/segments", "/v1/segments", "", {}, 200},
      {&full, "DELETE", "/v1/segments", "/v1/segments", "", {}, 405},
      {&empty, "GET", "/v1/segments", "/v1/segments", "", {}, 503},
      {&full, "GET", l, "/v1/segments/1/customers?page_size=1000", "", {}, 200},
      {&full, "GET", l, "/v1/segments/-/customers?model=baseline&page_size=1000", "", {}, 200},
      {&full, "GET", l, "/v1/segments/1/customers?page_size=0", "", {}, 400},
      {&full, "GET", l, "/v1/segments/1/customers?page_token=nope", "", {}, 400},
      {&full, "GET", l, "/v1/segments/9/customers", "", {}, 404},
      {&full, "GET", l, "/v1/segments/1/customers?page_token=" + expired, "", {}, 410},
      {&full, "GET", l, "/v1/segments/-/customers?page_size=1", "", {}, 200},  // kept open
      {&full, "GET", l, "/v1/segments/0/customers?page_size=1", "", {}, 429},  // one at most
      {&full, "POST", l, "/v1/segments/1/customers", "", {}, 405},
      {&empty, "GET", l, "/v1/segments/1/customers", "", {}, 503},
      {&full, "GET", "/v1/model", "/v1/model", "", {}, 200},
      {&empty, "GET", "/v1/model", "/v1/model", "", {}, 200},
      {&full, "PUT", "/v1/model", "/v1/model", "", {}, 405},
      {&full, "POST", r, r, "", {auth}, 200},
      {&full, "POST", r, r, "", {"Authorization: Bearer nope"}, 401},
      {&full, "GET", r, r, "", {auth}, 405},
      {&closed, "POST", r, r, "", {auth}, 404},
      {&empty, "POST", r, r, "", {auth}, 202},  // nothing runs the fit yet
      {&full, "GET", "/", "/", "", {}, 200},
      {&full, "POST", "/", "/", "", {}, 405},
      {&full, "GET", "/v1/status", "/v1/status", "", {}, 200},
      {&empty, "GET", "/v1/status", "/v1/status", "", {}, 200},
      {&front, "GET", "/v1/status", "/v1/status", "", {}, 200},
      {&full, "DELETE", "/v1/status", "/v1/status", "", {}, 405},
      {&full, "GET", "/metrics", "/metrics", "", {}, 200},
      {&full, "GET", "/livez", "/livez", "", {}, 200},
      {&full, "POST", "/livez", "/livez", "", {}, 405},
      {&full, "GET", "/readyz", "/readyz", "", {}, 200},
      {&empty, "GET", "/readyz", "/readyz", "", {}, 503},
      {&full, "GET", "/v1/drift", "/v1/drift?from=2000-01-01&page_size=5", "", {}, 200},
      {&empty, "GET", "/v1/drift", "/v1/drift", "", {}, 200},
      {&full, "GET", "/v1/drift", "/v1/drift?page_size=0", "", {}, 400},
      {&full, "GET", "/v1/drift", "/v1/drift?page_token=nope", "", {}, 400},
      {&full, "POST", "/v1/drift", "/v1/drift", "", {}, 405},
      {&full, "GET", "/v1/drift/chart.svg", "/v1/drift/chart.svg", "", {}, 200},
      {&full, "GET", "/v1/drift/chart.svg", "/v1/drift/chart.svg?to=yesterday", "", {}, 400},
      {&full, "POST", k, k, json({{"dir", dir.Sub("backups")}, {"keep", 2}}).dump(), {auth}, 200},
      {&full, "POST", k, k, json({{"dir", "relative"}}).dump(), {auth}, 400},
      {&full, "POST", k, k, "{", {auth}, 400},
      {&full, "POST", k, k, json({{"dir", dir.Sub("backups")}}).dump(), {}, 401},
      {&full, "GET", k, k, "", {auth}, 405},
      {&full,
       "POST",
       k,
       k,
       json({{"dir", dir.Sub("b")}, {"store", dir.Sub("empty")}}).dump(),
       {auth},
       409},
      {&full, "POST", k, k, json({{"dir", dir.Sub("a-file")}}).dump(), {auth}, 500},
      {&closed, "POST", k, k, json({{"dir", dir.Sub("backups")}}).dump(), {auth}, 404},
  };
  std::set<std::string> produced;
  auto run = [&](const Case& k) {
    SCOPED_TRACE(k.method + " " + k.path.substr(0, 60));
    const auto reply = testing::HttpRequest(k.stack->port(), k.method, k.path, k.body, k.headers);
    EXPECT_EQ(reply.status, k.expected) << reply.body;
    if (reply.status == 503 && k.path_template.starts_with("/v1/customers")) {
      EXPECT_NE(reply.head.find("Retry-After: 1"), std::string::npos);  // a lookup: retry soon
    }
    std::string method = k.method;
    for (char& ch : method) ch = char(std::tolower(ch));
    const YAML::Node op = spec["paths"][k.path_template][method];
    const std::string code = std::to_string(reply.status);
    if (!op) {  // a method the path does not list: 405, Allow, a problem document
      EXPECT_EQ(reply.status, 405);
      EXPECT_NE(reply.head.find("Allow: "), std::string::npos);
      std::vector<std::string> errors;
      Validate(spec, spec["components"]["schemas"]["Problem"], json::parse(reply.body), "body",
               &errors);
      EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
      return;
    }
    const YAML::Node response = Resolve(spec, op["responses"][code]);
    ASSERT_TRUE(response) << code << " is not documented";
    produced.insert(k.path_template + " " + method + " " + code);
    const size_t semicolon = reply.head.find("Content-Type: ");
    ASSERT_NE(semicolon, std::string::npos);
    std::string type = reply.head.substr(semicolon + 14);
    type = type.substr(0, type.find_first_of(";\r"));
    const YAML::Node media = response["content"][type];
    ASSERT_TRUE(media) << "content type " << type << " is not documented for " << code;
    if (type.find("json") != std::string::npos) {
      const json body = json::parse(reply.body, nullptr, false);
      ASSERT_FALSE(body.is_discarded()) << reply.body;
      std::vector<std::string> errors;
      Validate(spec, media["schema"], body, "body", &errors);
      EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
    }
  };
  for (const Case& k : cases) run(k);
  // The empty stack's queued retrain now runs, and a new one fails for lack of customers.
  empty.StartConsumer();
  run({&empty, "POST", r, r, "", {auth}, 409});
  // A disk error on reads.
  full.store().fail_reads = true;
  run({&full, "GET", c, "/v1/customers/" + id, "", {}, 500});
  run({&full, "POST", b, b, R"({"ids":["x"]})", {}, 500});
  run({&full, "GET", "/v1/model", "/v1/model", "", {}, 500});
  run({&full, "GET", l, "/v1/segments/1/customers", "", {}, 500});
  run({&full, "GET", "/v1/drift", "/v1/drift", "", {}, 500});
  run({&full, "GET", "/v1/drift/chart.svg", "/v1/drift/chart.svg", "", {}, 500});
  full.store().fail_reads = false;

  // Every documented (path, method, status) was produced, except a retrain cut short by
  // shutdown (503), which no request can cause on demand.
  const std::set<std::string> not_producible = {r + " post 503"};
  for (const auto& path : spec["paths"]) {
    for (const auto& op : path.second) {
      for (const auto& response : op.second["responses"]) {
        const std::string key = path.first.as<std::string>() + " " + op.first.as<std::string>() +
                                " " + response.first.as<std::string>();
        if (!not_producible.contains(key)) {
          EXPECT_TRUE(produced.contains(key)) << key << " is documented but never answered";
        }
      }
    }
  }
  // The route labels of the metrics are the documented paths, plus "other" and the two
  // group-internal routes (not part of the public API).
  std::set<std::string> documented = {"other", "/v1/cluster/rows", "/v1/cluster/drift-table"};
  for (const auto& path : spec["paths"]) documented.insert(path.first.as<std::string>());
  EXPECT_EQ(ApiRouteLabels(), documented);
}

}  // namespace
}  // namespace segd
