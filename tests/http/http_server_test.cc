// The civetweb transport: requests reach the handler intact, limits hold, responses and problem
// documents go out as built, and every request is observed with its route and status.
#include "segd/http/http_server.h"

#include <gtest/gtest.h>

#include <mutex>

#include "testing/http_get.h"

namespace segd {
namespace {

using testing::HttpRequest;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = HttpServer::Start(
        {.bind = "127.0.0.1:0", .threads = 4, .max_body_bytes = 1024},
        [](const segd::HttpRequest& r) {
          if (r.path == "/problem") return ProblemResponse(409, "a \"quoted\" detail", "/problem");
          HttpResponse echo{.content_type = "text/plain",
                            .body = r.method + "|" + r.path + "|" + r.query + "|" +
                                    r.authorization + "|" + r.body,
                            .route = "/echo"};
          echo.headers.emplace_back("X-Segd-Test", "1");
          return echo;
        },
        [this](const std::string& route, int status, double seconds) {
          std::lock_guard<std::mutex> lock(mu_);
          observed_.push_back(route + " " + std::to_string(status));
          EXPECT_GE(seconds, 0);
        });
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    port_ = server_->port();
    ASSERT_GT(port_, 0);
  }

  std::mutex mu_;
  std::vector<std::string> observed_;  // guarded by mu_
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpServerTest, RequestReachesTheHandlerIntact) {
  auto r = HttpRequest(port_, "POST", "/v1/a%20b?x=1&y=%2F", "{\"ids\":[]}",
                       {"Authorization: Bearer t0k"});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "POST|/v1/a b|x=1&y=%2F|Bearer t0k|{\"ids\":[]}");
  EXPECT_NE(r.head.find("X-Segd-Test: 1"), std::string::npos);
  EXPECT_NE(r.head.find("Content-Type: text/plain"), std::string::npos);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(observed_, std::vector<std::string>{"/echo 200"});
}

TEST_F(HttpServerTest, ProblemDocumentsAreRfc9457Json) {
  auto r = HttpRequest(port_, "GET", "/problem");
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.head.find("application/problem+json"), std::string::npos);
  EXPECT_EQ(
      r.body,
      R"({"type":"about:blank","title":"Conflict","status":409,"detail":"a \"quoted\" detail"})");
}

TEST_F(HttpServerTest, OversizedBodyIs413AndNeverReachesTheHandler) {
  auto r = HttpRequest(port_, "POST", "/echo", std::string(1025, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("http.max_body_bytes"), std::string::npos);
  EXPECT_EQ(HttpRequest(port_, "POST", "/echo", std::string(1024, 'x')).status, 200);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(observed_[0], "other 413");
}

TEST(HttpServerStartTest, BusyPortIsAnErrorNamingTheAddress) {
  auto first = HttpServer::Start({.bind = "127.0.0.1:0"}, nullptr);
  ASSERT_TRUE(first.ok());
  const std::string bind = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = HttpServer::Start({.bind = bind}, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find(bind), std::string::npos);
}

}  // namespace
}  // namespace segd
