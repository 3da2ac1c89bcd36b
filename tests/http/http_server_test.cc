#include "segd/http/http_server.h"

#include <gtest/gtest.h>

#include <atomic>

#include "segd/metrics/metrics_exposition.h"
#include "testing/http_get.h"

namespace segd {
namespace {

using testing::HttpRequest;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = HttpServer::Start(
        {.bind = "127.0.0.1:0", .threads = 4},
        {.not_ready_reason = [this] { return ready_.load() ? std::string() : "starting"; },
         .metrics = [this] { return metrics_.Scrape(); },
         .customer = [](std::string_view id) -> StatusOr<std::optional<std::string>> {
           if (id == "broken") return IoError("disk on fire");
           if (id != "c1") return std::optional<std::string>();
           return std::optional<std::string>(R"({"customer_id":"c1"})");
         }});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    port_ = server_->port();
    ASSERT_GT(port_, 0);
  }
  std::atomic<bool> ready_{false};
  IngestStats stats_;
  MetricsExposition metrics_{&stats_, [this] { return ready_.load(); }};
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpServerTest, LivezAlwaysAnswersAndReadyzFollowsReadiness) {
  EXPECT_EQ(HttpRequest(port_, "GET", "/livez").status, 200);
  auto not_ready = HttpRequest(port_, "GET", "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_NE(not_ready.head.find("Retry-After: 1"), std::string::npos);
  EXPECT_NE(not_ready.head.find("application/problem+json"), std::string::npos);
  EXPECT_NE(not_ready.body.find("starting"), std::string::npos);
  ready_ = true;
  EXPECT_EQ(HttpRequest(port_, "GET", "/readyz").status, 200);
}

TEST_F(HttpServerTest, MetricsExposeCountersWithEveryReasonLabel) {
  stats_.rejected[static_cast<size_t>(RejectReason::kBadAmount)] = 3;
  stats_.messages = 42;
  auto r = HttpRequest(port_, "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(r.body.find("segd_events_rejected_total{reason=\"bad_amount\"} 3"), std::string::npos);
  EXPECT_NE(r.body.find("segd_events_rejected_total{reason=\"key_mismatch\"} 0"),
            std::string::npos);
  EXPECT_NE(r.body.find("segd_events_consumed_total 42"), std::string::npos);
  EXPECT_NE(r.body.find("segd_ready 0"), std::string::npos);
}

TEST_F(HttpServerTest, CustomerLookupAnswersFoundMissingBadAndBroken) {
  auto found = HttpRequest(port_, "GET", "/v1/customers/c1");
  EXPECT_EQ(found.status, 200);
  EXPECT_EQ(found.body, R"({"customer_id":"c1"})");
  auto missing = HttpRequest(port_, "GET", "/v1/customers/nobody");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find(R"("status":404)"), std::string::npos);
  EXPECT_EQ(HttpRequest(port_, "GET", "/v1/customers/" + std::string(129, 'a')).status, 400);
  EXPECT_EQ(HttpRequest(port_, "GET", "/v1/customers/").status, 400);
  auto broken = HttpRequest(port_, "GET", "/v1/customers/broken");
  EXPECT_EQ(broken.status, 500);
  EXPECT_NE(broken.body.find("disk on fire"), std::string::npos);
}

TEST_F(HttpServerTest, UnknownPathsAndMethodsGetProblems) {
  auto unknown = HttpRequest(port_, "GET", "/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.head.find("application/problem+json"), std::string::npos);
  auto post = HttpRequest(port_, "POST", "/livez");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.head.find("Allow: GET"), std::string::npos);
}

TEST(HttpServerStartTest, BusyPortIsAnErrorNamingTheAddress) {
  auto first = HttpServer::Start({.bind = "127.0.0.1:0"}, {});
  ASSERT_TRUE(first.ok());
  const std::string bind = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = HttpServer::Start({.bind = bind}, {});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find(bind), std::string::npos);
}

}  // namespace
}  // namespace segd
