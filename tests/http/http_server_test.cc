// The civetweb transport: requests reach the handler intact, limits hold, responses and problem
// documents go out as built, and every request is observed with its route and status.
#include "segd/http/http_server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

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

// Slow clients: a few hundred connections that send nothing, or half a request line, hold one
// worker each (civetweb pins a connection to a worker). With the default http.threads (above
// the number of open connections), lookups on fresh connections still answer at once, and the
// server cuts the slow ones after request_timeout_ms. (With 16 workers, lookups waited 20 s.)
TEST(HttpServerSlowClientTest, IdleAndHalfSentRequestsDoNotStopOthers) {
  constexpr int kIdle = 150, kHalfSent = 150;
  auto server = HttpServer::Start(
      {.bind = "127.0.0.1:0", .request_timeout_ms = 1500},
      [](const segd::HttpRequest&) {
        return HttpResponse{.content_type = "text/plain", .body = "ok", .route = "/ok"};
      },
      nullptr);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  ASSERT_GT(HttpOptions{}.threads, kIdle + kHalfSent);
  const int port = (*server)->port();

  std::vector<int> slow;
  for (int i = 0; i < kIdle + kHalfSent; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    if (i >= kIdle) {
      const std::string half = "GET /v1/customers/c1 HTTP/1.1\r\nHost: 12";
      ASSERT_EQ(write(fd, half.data(), half.size()), static_cast<ssize_t>(half.size()));
    }
    slow.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // all accepted and waiting

  double worst_ms = 0;
  for (int i = 0; i < 50; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto r = HttpRequest(port, "GET", "/v1/customers/c2");
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    worst_ms = std::max(worst_ms, ms);
    ASSERT_EQ(r.status, 200) << "request " << i << " with " << slow.size() << " slow clients";
  }
  EXPECT_LT(worst_ms, 500) << "a lookup waited behind the slow clients";

  // After request_timeout_ms every slow connection has been closed by the server.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  int closed = 0;
  for (int fd : slow) {
    timeval tv{.tv_sec = 1, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[512];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
    }
    closed += n == 0 ? 1 : 0;  // EOF (not a receive timeout)
    close(fd);
  }
  EXPECT_EQ(closed, kIdle + kHalfSent);
  std::printf("%d slow clients: worst lookup %.1f ms; %d cut after request_timeout_ms\n",
              kIdle + kHalfSent, worst_ms, closed);
}

}  // namespace
}  // namespace segd
