// The HTTP API in a group of several instances, without sockets: a fake locator says where each
// customer lives and a fake transport stands in for the owner.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app/api.h"
#include "segd/state/memory_state_store.h"
#include "testing/test_history.h"

namespace segd {
namespace {

using nlohmann::json;

// "remote-*" lives on http://b, "moving-*" is in a partition being caught up, the rest is here.
class PrefixLocator : public CustomerLocator {
 public:
  CustomerRoute Locate(std::string_view id) const override {
    if (id.starts_with("remote-")) return {CustomerRoute::Kind::kForward, "http://b"};
    if (id.starts_with("moving-")) {
      return {CustomerRoute::Kind::kUnavailable, "", "partition 7 is being caught up"};
    }
    if (id.starts_with("ownerless-")) {
      return {CustomerRoute::Kind::kUnavailable,
              "",
              "partition 3 has no owner",
              {"http://c", "http://b"}};
    }
    return {CustomerRoute::Kind::kLocal};
  }
  void CountForwarded() const override { ++forwarded; }
  mutable int forwarded = 0;
};

class ApiRoutingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto history = testing::MakeHistory(50, 7);
    std::vector<RawMessage> messages;
    for (size_t i = 0; i < history.size(); ++i) {
      messages.push_back({"orders", 0, int64_t(i), true, history[i].key, history[i].json});
    }
    local_customer_ = history[0].event.subject;
    ASSERT_TRUE(pipeline_.Load().ok());
    ASSERT_TRUE(pipeline_.Process(messages).ok());
    api_ = std::make_unique<Api>(
        SegdConfig{}, ApiSources{.store = &store_,
                                 .pipeline = &pipeline_,
                                 .stats = &stats_,
                                 .metrics = [] { return std::string(); },
                                 .locator = &locator_,
                                 .forward = [this](const HttpCall& c) { return Owner(c); }});
  }

  // The owner http://b: knows "remote-1" and "remote-2"; "remote-down" makes it unreachable.
  StatusOr<HttpResponse> Owner(const HttpCall& c) {
    calls_.push_back(c);
    if (c.target.find("remote-down") != std::string::npos) return Unavailable("refused");
    if (c.base_url == "http://c") return ProblemResponse(503, "not mine either");
    if (c.target.find("ownerless-gone") != std::string::npos) {
      return ProblemResponse(404, "no customer with this id");
    }
    HttpResponse r;
    if (c.method == "GET") {
      r.body = json({{"customer_id", "remote-1"}, {"from", "b"}}).dump();
      return r;
    }
    const json ids = json::parse(c.body)["ids"];
    json results = json::array(), not_found = json::array();
    for (const json& id : ids) {
      if (id == "remote-1" || id == "remote-2") {
        results.push_back({{"customer_id", id}, {"from", "b"}});
      } else {
        not_found.push_back(id);
      }
    }
    r.body = json({{"results", results}, {"not_found", not_found}}).dump();
    return r;
  }

  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "", const std::string& hop = "") {
    return api_->Handle({.method = method, .path = path, .body = body, .forwarded = hop});
  }

  static std::string RetryAfter(const HttpResponse& r) {
    for (const auto& [name, value] : r.headers) {
      if (name == "Retry-After") return value;
    }
    return "";
  }

  std::string local_customer_;
  MemoryStateStore store_;
  CountingDeadLetterSink dlq_;
  IngestStats stats_;
  IngestPipeline pipeline_{{}, &store_, &dlq_, &stats_, [] { return int64_t(1577836800000); }};
  PrefixLocator locator_;
  std::vector<HttpCall> calls_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiRoutingTest, AnotherInstancesCustomerIsForwardedOnceWithTheHopHeader) {
  const HttpResponse r = Call("GET", "/v1/customers/remote-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["from"], "b");
  EXPECT_EQ(r.route, "/v1/customers/{id}");
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0].base_url, "http://b");
  EXPECT_EQ(calls_[0].method, "GET");
  EXPECT_EQ(calls_[0].target, "/v1/customers/remote-1");
  EXPECT_EQ(calls_[0].headers.at(0), (std::pair<std::string, std::string>{kForwardedHeader, "1"}));
  EXPECT_EQ(locator_.forwarded, 1);
  // Ids are percent-encoded on the way.
  (void)Call("GET", "/v1/customers/remote-a b%");
  EXPECT_EQ(calls_.back().target, "/v1/customers/remote-a%20b%25");
}

TEST_F(ApiRoutingTest, AForwardedRequestIsNeverForwardedAgain) {
  const HttpResponse r = Call("GET", "/v1/customers/remote-1", "", "1");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(RetryAfter(r), "1");
  EXPECT_TRUE(calls_.empty());
  // ... but answered when this instance serves the customer.
  EXPECT_EQ(Call("GET", "/v1/customers/" + local_customer_, "", "1").status, 200);
}

TEST_F(ApiRoutingTest, UnservedPartitionsAndUnreachableOwnersAre503NotA404) {
  HttpResponse r = Call("GET", "/v1/customers/moving-9");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(RetryAfter(r), "1");
  EXPECT_NE(r.body.find("partition 7 is being caught up"), std::string::npos);
  r = Call("GET", "/v1/customers/remote-down");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(RetryAfter(r), "1");
  EXPECT_NE(r.body.find("refused"), std::string::npos);
  // A local customer that does not exist is still a 404.
  EXPECT_EQ(Call("GET", "/v1/customers/nobody").status, 404);
}

TEST_F(ApiRoutingTest, BatchGetSplitsByOwnerAndMergesInRequestOrder) {
  const json ids = {"remote-2", local_customer_, "nobody", "remote-1", "remote-gone"};
  const HttpResponse r = Call("POST", "/v1/customers:batchGet", json({{"ids", ids}}).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json body = json::parse(r.body);
  ASSERT_EQ(body["results"].size(), 3u);
  EXPECT_EQ(body["results"][0]["customer_id"], "remote-2");
  EXPECT_EQ(body["results"][0]["from"], "b");
  EXPECT_EQ(body["results"][1]["customer_id"], local_customer_);
  EXPECT_TRUE(body["results"][1].contains("state"));
  EXPECT_EQ(body["results"][2]["customer_id"], "remote-1");
  EXPECT_EQ(body["not_found"], json({"nobody", "remote-gone"}));
  ASSERT_EQ(calls_.size(), 1u);  // one request per owner, with only its ids
  EXPECT_EQ(calls_[0].method, "POST");
  EXPECT_EQ(calls_[0].target, "/v1/customers:batchGet");
  EXPECT_EQ(json::parse(calls_[0].body)["ids"], json({"remote-2", "remote-1", "remote-gone"}));
}

TEST_F(ApiRoutingTest, BatchGetWithAnUnservedIdIs503) {
  const HttpResponse r =
      Call("POST", "/v1/customers:batchGet", json({{"ids", {local_customer_, "moving-1"}}}).dump());
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(RetryAfter(r), "1");
  EXPECT_TRUE(calls_.empty());
}

TEST_F(ApiRoutingTest, WhenNoOwnerIsKnownEveryOtherMemberIsAskedInTurn) {
  // http://c does not serve it (503); http://b does.
  HttpResponse r = Call("GET", "/v1/customers/ownerless-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["from"], "b");
  ASSERT_EQ(calls_.size(), 2u);
  EXPECT_EQ(calls_[0].base_url, "http://c");
  EXPECT_EQ(calls_[1].base_url, "http://b");
  for (const HttpCall& c : calls_) {
    EXPECT_EQ(c.headers.at(0), (std::pair<std::string, std::string>{kForwardedHeader, "1"}));
  }
  // A member that serves the partition and does not know the customer: its 404 is the answer.
  EXPECT_EQ(Call("GET", "/v1/customers/ownerless-gone").status, 404);
  // A request that was forwarded already asks nobody: 503.
  calls_.clear();
  r = Call("GET", "/v1/customers/ownerless-1", "", "1");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(RetryAfter(r), "1");
  EXPECT_TRUE(calls_.empty());
}

TEST_F(ApiRoutingTest, AForwardedRetrainAtAFollowerIs503NotForwardedAgain) {
  SegdConfig config;
  config.http.admin_token = "secret";
  config.http.admin_wait_ms = 10;
  bool follower = true;
  const Api api(config, ApiSources{.store = &store_,
                                   .pipeline = &pipeline_,
                                   .stats = &stats_,
                                   .metrics = [] { return std::string(); },
                                   .locator = &locator_,
                                   .forward = [this](const HttpCall& c) { return Owner(c); },
                                   .group_follower = [&follower] { return follower; }});
  const HttpRequest forwarded{.method = "POST",
                              .path = "/v1/admin/retrain",
                              .authorization = "Bearer secret",
                              .forwarded = "1"};
  const HttpResponse r = api.Handle(forwarded);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(RetryAfter(r), "1");
  EXPECT_NE(r.body.find("not the group's leader"), std::string::npos);
  EXPECT_TRUE(calls_.empty());
  // At the leader the same request is queued for the pipeline (nothing runs it here: 202).
  follower = false;
  EXPECT_EQ(api.Handle(forwarded).status, 202);
}

}  // namespace
}  // namespace segd
