// The HTTP API without sockets: a pipeline over a memory store with a bootstrapped baseline,
// a drift evaluation, and every endpoint's answers and errors.
#include "app/api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <thread>

#include "app/drift_monitor.h"
#include "segd/audience/page_token.h"
#include "segd/state/memory_state_store.h"
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

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto history = testing::MakeHistory(300, 41);
    for (size_t i = 0; i < history.size(); ++i) {
      messages_.push_back({"orders", 0, int64_t(i), true, history[i].key, history[i].json});
    }
    first_customer_ = history[0].event.subject;
    config_.http.admin_token = "s3cret";
    config_.http.admin_wait_ms = 10000;
    config_.http.max_batch_ids = 5;
    config_.http.max_open_listings = 3;
    config_.model.bootstrap_min_customers = 100;
  }

  void Start(bool ingest = true) {
    ModelLifecycleOptions o{.live = {.batch_events = 20},
                            .train = {.k = 3, .n_init = 2, .segment_names = {"", "named", ""}},
                            .bootstrap_min_customers = 100};
    ASSERT_TRUE(pipeline_.Load(o).ok());
    api_ = std::make_unique<Api>(config_,
                                 ApiSources{.store = &store_,
                                            .pipeline = &pipeline_,
                                            .stats = &stats_,
                                            .drift = [this] { return drift_.status(); },
                                            .not_ready_reason = [] { return std::string(); },
                                            .metrics = [] { return std::string("segd_up 1\n"); }});
    if (ingest) {
      ASSERT_TRUE(pipeline_.Process(messages_).ok());
    }
  }

  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "", const std::string& auth = "") {
    return api_->Handle({.method = method, .path = path, .body = body, .authorization = auth});
  }

  static json Body(const HttpResponse& r) { return json::parse(r.body); }

  HttpResponse List(const std::string& segment, const std::string& query) {
    return api_->Handle(
        {.method = "GET", .path = "/v1/segments/" + segment + "/customers", .query = query});
  }

  // Every item of a listing, page by page; `between` runs before each page after the first.
  std::vector<json> ListAll(
      const std::string& segment, const std::string& query,
      const std::function<void()>& between = [] {}) {
    std::vector<json> items;
    std::string token;
    for (int page = 0; page < 1000; ++page) {
      if (page > 0) between();
      const HttpResponse r = List(segment, query + (token.empty() ? "" : "&page_token=" + token));
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) break;
      const json j = Body(r);
      for (const json& c : j["customers"]) items.push_back(c);
      if (j["next_page_token"].is_null()) break;
      token = j["next_page_token"];
    }
    return items;
  }

  std::vector<RawMessage> messages_;
  std::string first_customer_;
  SegdConfig config_;
  MemoryStateStore store_;
  NoDeadLetters dlq_;
  IngestStats stats_;
  IngestPipeline pipeline_{{}, &store_, &dlq_, &stats_, [] { return kNow; }};
  // Evaluations only when a test asks (EvaluateOnce), as with drift.every_event_days: 0.
  DriftMonitor drift_{{.every_seconds = 3600, .every_event_days = 0, .refit_every = 0},
                      &store_,
                      &pipeline_,
                      &stats_};
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, CustomerLookupHasBothSegmentsFeaturesAndVersions) {
  Start();
  const HttpResponse r = Call("GET", "/v1/customers/" + first_customer_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.route, "/v1/customers/{id}");
  const json j = Body(r);
  EXPECT_EQ(j["customer_id"], first_customer_);
  ASSERT_TRUE(j["segment"].is_object());
  EXPECT_GE(j["segment"]["id"].get<int>(), 0);
  EXPECT_LT(j["segment"]["id"].get<int>(), 3);
  EXPECT_TRUE(j["segment"]["name"].is_string());
  EXPECT_GE(j["segment"]["distance"].get<double>(), 0);
  ASSERT_TRUE(j["baseline_segment"].is_object());
  EXPECT_EQ(j["model"]["baseline_version"], 1);
  EXPECT_GT(j["model"]["live_updates"].get<int>(), 0);
  EXPECT_TRUE(j["features"]["recency_days"].is_number());
  EXPECT_TRUE(j["features"]["frequency"].is_number());
  EXPECT_TRUE(j["features"]["monetary_total"].is_number());
  EXPECT_EQ(j["as_of"], FormatRfc3339(stats_.watermark_ms.load()));
  EXPECT_TRUE(j["updated_at"].is_string());
  EXPECT_EQ(j["state"]["order_count"].get<int>(), j["features"]["frequency"].get<double>());
}

TEST_F(ApiTest, LookupsOfAPartitionBeingRestoredAnswer503WithRetryAfter) {
  Start();
  std::vector<int32_t> restoring = {1};
  // Customers by the first character of their id: even to partition 0, odd to partition 1.
  auto partition_of = [](std::string_view id) { return std::optional<int32_t>(id[0] % 2); };
  api_ = std::make_unique<Api>(config_, ApiSources{.store = &store_,
                                                   .pipeline = &pipeline_,
                                                   .stats = &stats_,
                                                   .drift = [this] { return drift_.status(); },
                                                   .not_ready_reason = [] { return ""; },
                                                   .metrics = [] { return ""; },
                                                   .restoring = [&] { return restoring; },
                                                   .partition_of = partition_of});
  const std::string id = first_customer_;
  const int32_t p = id[0] % 2;
  restoring = {p};
  const HttpResponse r = Call("GET", "/v1/customers/" + id);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("partition " + std::to_string(p) + " is being restored"), std::string::npos)
      << r.body;
  EXPECT_NE(std::find(r.headers.begin(), r.headers.end(),
                      std::pair<std::string, std::string>("Retry-After", "1")),
            r.headers.end());
  EXPECT_EQ(Call("POST", "/v1/customers:batchGet", R"({"ids":[")" + id + R"("]})").status, 503);
  restoring = {1 - p};  // the other partition: answered
  EXPECT_EQ(Call("GET", "/v1/customers/" + id).status, 200);
  restoring.clear();
  EXPECT_EQ(Call("GET", "/v1/customers/" + id).status, 200);
}

TEST_F(ApiTest, CustomerErrorsAreProblems) {
  Start();
  const HttpResponse missing = Call("GET", "/v1/customers/nobody");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.content_type, "application/problem+json");
  EXPECT_EQ(Body(missing)["status"], 404);
  EXPECT_EQ(Call("GET", "/v1/customers/" + std::string(129, 'a')).status, 400);
  EXPECT_EQ(Call("GET", "/v1/customers/").status, 400);
  EXPECT_EQ(Call("GET", "/v1/customers/a/b").status, 400);
  const HttpResponse post = Call("POST", "/v1/customers/x");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers, (std::vector<std::pair<std::string, std::string>>{{"Allow", "GET"}}));
  EXPECT_EQ(Call("GET", "/nope").status, 404);
}

TEST_F(ApiTest, BatchGetAnswersFoundAndNotFoundWithinLimits) {
  Start();
  const json req = {{"ids", {first_customer_, "nobody", first_customer_}}};
  const HttpResponse r = Call("POST", "/v1/customers:batchGet", req.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Body(r);
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["customer_id"], first_customer_);
  EXPECT_EQ(j["results"][0], Body(Call("GET", "/v1/customers/" + first_customer_)));
  EXPECT_EQ(j["not_found"], json({"nobody"}));
  // Malformed, wrong shape, too many, bad ids: 400 problems, never a crash.
  for (const std::string& bad :
       {std::string("{not json"), std::string("[]"), std::string(R"({"ids":"x"})"),
        std::string(R"({"ids":["a","b","c","d","e","f"]})"), std::string(R"({"ids":[1]})"),
        std::string(R"({"ids":[""]})"), std::string(100000, '[')}) {
    const HttpResponse e = Call("POST", "/v1/customers:batchGet", bad);
    EXPECT_EQ(e.status, 400) << bad.substr(0, 40);
    EXPECT_EQ(e.content_type, "application/problem+json");
  }
  EXPECT_EQ(Call("GET", "/v1/customers:batchGet").status, 405);
}

TEST_F(ApiTest, SegmentsAndModelDescribeBothModels) {
  Start();
  EXPECT_TRUE(Body(Call("GET", "/v1/segments"))["segments"][0]["size"].is_null());  // no eval yet
  ASSERT_TRUE(drift_.EvaluateOnce().ok());
  const json s = Body(Call("GET", "/v1/segments"));
  ASSERT_EQ(s["segments"].size(), 3u);
  uint64_t total = 0;
  double shares = 0;
  for (const json& seg : s["segments"]) {
    total += seg["size"].get<uint64_t>();
    shares += seg["share"].get<double>();
    EXPECT_TRUE(seg["centroid"]["monetary_total"].is_number());
    EXPECT_TRUE(seg["baseline"]["centroid"]["recency_days"].is_number());
  }
  EXPECT_EQ(total, s["customers"].get<uint64_t>());
  EXPECT_NEAR(shares, 1.0, 1e-9);
  EXPECT_EQ(s["segments"][1]["name"], "named");  // model.segment_names

  const json m = Body(Call("GET", "/v1/model"));
  EXPECT_EQ(m["baseline"]["version"], 1);
  EXPECT_EQ(m["baseline"]["k"], 3);
  EXPECT_EQ(m["baseline"]["features"][1]["transform"], "log1p");
  EXPECT_EQ(m["versions"], json({1}));
  EXPECT_TRUE(m["drift"]["ari"]["online"].is_number());
  EXPECT_TRUE(m["drift"]["ari"]["refit"].is_null());
  EXPECT_EQ(m["drift"]["retrain_recommended"], false);
  EXPECT_EQ(m["drift"]["threshold"], 0.8);
  EXPECT_GT(m["live"]["updates"].get<int>(), 0);
}

TEST_F(ApiTest, SegmentListingsGiveEveryCustomerOnceAndEachItemEqualsItsLookup) {
  Start();
  const std::vector<json> everyone = ListAll("-", "page_size=50");
  std::set<std::string> with_segment;
  for (const json& c : everyone) {
    if (!c["segment"].is_null()) with_segment.insert(c["customer_id"]);
  }
  size_t stored = 0;
  ASSERT_TRUE(store_
                  .ScanCustomers([&](std::string_view, const CustomerState&) {
                    ++stored;
                    return true;
                  })
                  .ok());
  EXPECT_EQ(everyone.size(), stored);
  ASSERT_GT(with_segment.size(), 200u);
  for (const std::string model : {"live", "baseline"}) {
    const std::string field = model == "live" ? "segment" : "baseline_segment";
    std::multiset<std::string> listed;
    for (int seg = 0; seg < 3; ++seg) {
      for (const json& c : ListAll(std::to_string(seg), "model=" + model + "&page_size=7")) {
        EXPECT_EQ(c[field]["id"], seg);
        EXPECT_EQ(c, Body(Call("GET", "/v1/customers/" + c["customer_id"].get<std::string>())));
        listed.insert(c["customer_id"]);
      }
    }
    EXPECT_EQ(listed.size(), with_segment.size()) << model;  // none twice
    EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), with_segment) << model;
  }
  const json first = Body(List("1", "page_size=1"));
  EXPECT_EQ(first["segment"], json({{"id", 1}, {"name", "named"}}));
  EXPECT_EQ(first["model"], "live");
  EXPECT_EQ(first["baseline_version"], 1);
  EXPECT_EQ(first["scope"], "all");
  EXPECT_EQ(first["features"][0], "recency_days");
  EXPECT_EQ(first["as_of"], FormatRfc3339(stats_.watermark_ms.load()));
  EXPECT_EQ(first["customers"].size(), 1u);
}

TEST_F(ApiTest, ListingReadsItsFirstPagesSnapshotWhileIngestGoesOn) {
  Start(/*ingest=*/false);
  const size_t half = messages_.size() * 2 / 3;
  ASSERT_TRUE(pipeline_.Process(std::span(messages_).first(half)).ok());
  std::map<std::string, uint32_t> at_snapshot;  // order counts when the listing starts
  ASSERT_TRUE(store_
                  .ScanCustomers([&](std::string_view id, const CustomerState& s) {
                    at_snapshot[std::string(id)] = s.order_count;
                    return true;
                  })
                  .ok());
  bool ingested = false;
  const std::vector<json> items = ListAll("-", "page_size=10", [&] {
    if (ingested) return;
    ASSERT_TRUE(pipeline_.Process(std::span(messages_).subspan(half)).ok());
    ingested = true;
  });
  ASSERT_TRUE(ingested);
  std::map<std::string, uint32_t> listed;
  for (const json& c : items) {
    EXPECT_TRUE(listed.emplace(c["customer_id"], c["state"]["order_count"]).second)
        << c["customer_id"] << " listed twice";
  }
  EXPECT_EQ(listed, at_snapshot);  // no customer added after it, none missing, states as then
  size_t now = 0;
  ASSERT_TRUE(store_
                  .ScanCustomers([&](std::string_view, const CustomerState&) {
                    ++now;
                    return true;
                  })
                  .ok());
  EXPECT_GT(now, at_snapshot.size());
}

TEST_F(ApiTest, ListingErrorsAreProblems) {
  Start();
  auto status_of = [&](const std::string& segment, const std::string& query) {
    const HttpResponse r = List(segment, query);
    EXPECT_EQ(r.route, "/v1/segments/{id}/customers");
    if (r.status != 200) {
      EXPECT_EQ(r.content_type, "application/problem+json") << r.body;
    }
    return r.status;
  };
  EXPECT_EQ(status_of("x", ""), 400);
  EXPECT_EQ(status_of("-1", ""), 400);
  EXPECT_EQ(status_of("3", ""), 404);
  EXPECT_EQ(Body(List("3", ""))["detail"], "no segment 3: there are 3 (0..2)");
  EXPECT_EQ(status_of("0", "model=newest"), 400);
  EXPECT_EQ(status_of("0", "page_size=0"), 400);
  EXPECT_EQ(status_of("0", "page_size=1001"), 400);
  EXPECT_EQ(status_of("0", "page_size=ten"), 400);
  EXPECT_EQ(Body(List("0", "page_size=0"))["detail"], "page_size must be 1..1000");
  EXPECT_EQ(status_of("0", "page_size=1000"), 200);
  EXPECT_EQ(status_of("0", "page_size=1"), 200);
  EXPECT_EQ(status_of("0", "sort=id"), 400);
  EXPECT_EQ(status_of("0", "page_token=zz"), 400);
  EXPECT_EQ(Body(List("0", "page_token=zz"))["detail"],
            "page_token is malformed: pass one a page returned");
  const HttpResponse unknown =
      List("0", "page_token=" + EncodePageToken({.snapshot_id = "0123", .segment = 0}));
  EXPECT_EQ(unknown.status, 410);
  EXPECT_NE(Body(unknown)["detail"].get<std::string>().find("page_token expired"),
            std::string::npos);
  const std::string token = Body(List("0", "page_size=1"))["next_page_token"];
  EXPECT_EQ(status_of("1", "page_token=" + token), 400);                 // another segment
  EXPECT_EQ(status_of("0", "model=baseline&page_token=" + token), 400);  // another model
  EXPECT_EQ(status_of("0", "page_size=1&page_token=" + token), 200);
  const HttpResponse post = api_->Handle({.method = "POST", .path = "/v1/segments/0/customers"});
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers, (std::vector<std::pair<std::string, std::string>>{{"Allow", "GET"}}));
  EXPECT_EQ(Call("GET", "/v1/segments/0/customers/x").status, 404);
}

TEST_F(ApiTest, ListingTokenIsSpentAtTheEndAndOpenListingsAreCapped) {
  Start();
  const std::string first = Body(List("-", "page_size=100"))["next_page_token"];
  std::string token = first;
  while (!token.empty()) {
    const json j = Body(List("-", "page_size=100&page_token=" + token));
    token = j["next_page_token"].is_null() ? "" : j["next_page_token"].get<std::string>();
  }
  EXPECT_EQ(List("-", "page_size=100&page_token=" + first).status, 410);        // closed at its end
  for (int i = 0; i < 3; ++i) EXPECT_EQ(List("-", "page_size=1").status, 200);  // 3 left open
  const HttpResponse full = List("-", "page_size=1");
  EXPECT_EQ(full.status, 429);
  EXPECT_NE(std::find(full.headers.begin(), full.headers.end(),
                      std::pair<std::string, std::string>("Retry-After", "10")),
            full.headers.end());
  const json whole = Body(List("0", "page_size=1000"));  // one page: no snapshot kept
  EXPECT_TRUE(whole["next_page_token"].is_null());
  EXPECT_GT(whole["customers"].size(), 0u);
}

TEST_F(ApiTest, ListingOfAGroupMemberHoldsItsOwnPartitionsOnly) {
  Start();
  // Customers by the last character of their id: even to partition 0, odd to partition 1.
  auto partition_of = [](std::string_view id) { return std::optional<int32_t>(id.back() % 2); };
  api_ =
      std::make_unique<Api>(config_, ApiSources{.store = &store_,
                                                .pipeline = &pipeline_,
                                                .stats = &stats_,
                                                .partition_of = partition_of,
                                                .own_partitions = [] { return std::vector{0}; }});
  std::set<std::string> own;
  ASSERT_TRUE(store_
                  .ScanCustomers([&](std::string_view id, const CustomerState&) {
                    if (id.back() % 2 == 0) own.emplace(id);
                    return true;
                  })
                  .ok());
  const json first = Body(List("-", "page_size=1"));
  EXPECT_EQ(first["scope"], "instance");
  EXPECT_EQ(first["partitions"], json({0}));
  std::set<std::string> listed;
  for (const json& c : ListAll("-", "page_size=30")) listed.insert(c["customer_id"]);
  EXPECT_EQ(listed, own);
  EXPECT_GT(own.size(), 100u);
}

TEST_F(ApiTest, ListingWaitsWhilePartitionsAreRestored) {
  Start();
  std::vector<int32_t> restoring = {1};
  api_ = std::make_unique<Api>(config_, ApiSources{.store = &store_,
                                                   .pipeline = &pipeline_,
                                                   .stats = &stats_,
                                                   .restoring = [&] { return restoring; }});
  const HttpResponse r = List("-", "");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Body(r)["detail"], "partitions are being restored from the changelog: retry");
  restoring.clear();
  EXPECT_EQ(List("-", "").status, 200);
}

TEST_F(ApiTest, ListingWaitsForTheFirstBaseline) {
  Start(/*ingest=*/false);
  const HttpResponse r = List("0", "");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Body(r)["detail"], "no baseline yet");
}

TEST_F(ApiTest, ReadyzWaitsForTheFirstBaseline) {
  Start(/*ingest=*/false);
  const HttpResponse r = Call("GET", "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("no baseline yet"), std::string::npos);
  EXPECT_EQ(Call("GET", "/v1/segments").status, 503);
  EXPECT_TRUE(Body(Call("GET", "/v1/model"))["baseline"].is_null());
  ASSERT_TRUE(pipeline_.Process(messages_).ok());
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
  EXPECT_EQ(Call("GET", "/livez").status, 200);
  EXPECT_EQ(Call("GET", "/metrics").body, "segd_up 1\n");
}

TEST_F(ApiTest, StatusFollowsReadinessAndEveryLinkOfThePageAnswers) {
  Start(/*ingest=*/false);
  api_ = std::make_unique<Api>(config_, ApiSources{.store = &store_,
                                                   .pipeline = &pipeline_,
                                                   .stats = &stats_,
                                                   .drift = [this] { return drift_.status(); },
                                                   .not_ready_reason = [] { return ""; },
                                                   .metrics = [] { return ""; },
                                                   .drift_history = &drift_.history()});
  json status = Body(Call("GET", "/v1/status"));
  EXPECT_EQ(status["ready"], false);
  EXPECT_EQ(status["not_ready_reason"], "no baseline yet: fitted at 100 customers");
  EXPECT_TRUE(status["lag"]["messages"].is_null());  // no lag source: unknown
  ASSERT_TRUE(pipeline_.Process(messages_).ok());
  ASSERT_TRUE(drift_.EvaluateOnce().ok());
  status = Body(Call("GET", "/v1/status"));
  EXPECT_EQ(status["ready"], true);
  EXPECT_EQ(status["watermark"], FormatRfc3339(stats_.watermark_ms.load()));
  EXPECT_EQ(status["ingest"]["messages"], messages_.size());
  // Every same-origin link of the status page is a route that answers.
  const HttpResponse page = Call("GET", "/");
  ASSERT_EQ(page.status, 200);
  int links = 0;
  for (size_t at = 0; (at = page.body.find("href=\"", at)) != std::string::npos; ++links) {
    at += 6;
    const std::string href = page.body.substr(at, page.body.find('"', at) - at);
    EXPECT_EQ(Call("GET", href).status, 200) << href;
  }
  EXPECT_EQ(links, 8);
}

TEST_F(ApiTest, AdminRetrainNeedsTheTokenAndFitsANewVersion) {
  Start();
  EXPECT_EQ(Call("POST", "/v1/admin/retrain").status, 401);
  EXPECT_EQ(Call("POST", "/v1/admin/retrain", "", "Bearer wrong").status, 401);
  EXPECT_EQ(Call("POST", "/v1/admin/retrain", "", "Basic s3cret").status, 401);
  EXPECT_EQ(Call("GET", "/v1/admin/retrain", "", "Bearer s3cret").status, 405);
  // The consumer thread runs requested work between batches; here a helper thread plays it.
  std::atomic<bool> stop{false};
  std::thread consumer([&] {
    while (!stop) {
      EXPECT_TRUE(pipeline_.RunRequestedWork().ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  const HttpResponse r = Call("POST", "/v1/admin/retrain", "", "Bearer s3cret");
  stop = true;
  consumer.join();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["baseline_version"], 2);
  EXPECT_EQ(stats_.retrains[static_cast<size_t>(RetrainTrigger::kAdmin)].load(), 1u);
  EXPECT_EQ(Body(Call("GET", "/v1/model"))["versions"], json({1, 2}));
}

TEST(ApiAdminTest, WithoutATokenAdminEndpointsDoNotExist) {
  MemoryStateStore store;
  IngestStats stats;
  NoDeadLetters dlq;
  IngestPipeline pipeline({}, &store, &dlq, &stats, [] { return kNow; });
  const Api api(SegdConfig{}, {.store = &store, .pipeline = &pipeline, .stats = &stats});
  EXPECT_EQ(api.Handle({.method = "POST", .path = "/v1/admin/retrain"}).status, 404);
  EXPECT_EQ(api.Handle({.method = "POST", .path = "/v1/admin/retrain", .authorization = "Bearer "})
                .status,
            404);
}

TEST(ApiAdminTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", "abc"));
}

}  // namespace
}  // namespace segd
