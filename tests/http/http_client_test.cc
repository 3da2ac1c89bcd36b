// The client that forwards lookups between instances, against segd's own server on loopback.
#include "segd/http/http_client.h"

#include <gtest/gtest.h>

namespace segd {
namespace {

TEST(HttpClientTest, SendsMethodTargetBodyAndHeadersAndReadsTheAnswer) {
  auto server = HttpServer::Start({.bind = "127.0.0.1:0", .threads = 2}, [](const HttpRequest& r) {
    HttpResponse out =
        ProblemResponse(503, r.method + " " + r.path + " " + r.forwarded + " " + r.body);
    out.headers.emplace_back("Retry-After", "1");
    return out;
  });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto r = SendHttpRequest({.base_url = "http://127.0.0.1:" + std::to_string((*server)->port()),
                            .method = "POST",
                            .target = "/v1/customers/a%20b",
                            .body = "{}",
                            .headers = {{kForwardedHeader, "1"}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->content_type, "application/problem+json");
  EXPECT_NE(r->body.find("POST /v1/customers/a b 1 {}"), std::string::npos) << r->body;
  EXPECT_EQ(r->headers, (std::vector<std::pair<std::string, std::string>>{{"Retry-After", "1"}}));
}

TEST(HttpClientTest, AnInstanceThatIsGoneIsUnavailable) {
  int port = 0;
  {
    auto server = HttpServer::Start({.bind = "127.0.0.1:0", .threads = 1}, nullptr);
    ASSERT_TRUE(server.ok());
    port = (*server)->port();
  }  // closed: nothing listens there now
  auto r = SendHttpRequest(
      {.base_url = "http://127.0.0.1:" + std::to_string(port), .target = "/v1/customers/x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(SendHttpRequest({.base_url = "https://h:1"}).ok());
}

TEST(HttpClientTest, PercentEncodesAllButUnreservedCharacters) {
  EXPECT_EQ(PercentEncodePathSegment("c0ffee-_.~"), "c0ffee-_.~");
  EXPECT_EQ(PercentEncodePathSegment("a b/c%?#"), "a%20b%2Fc%25%3F%23");
  EXPECT_EQ(PercentEncodePathSegment("\xc3\xa9"), "%C3%A9");
}

}  // namespace
}  // namespace segd
