// GET / and GET /v1/status over fake sources: the status JSON says what the sources hold
// (unknown lag as null, not zero), and the page is one self-contained document that only ever
// writes text into itself.
#include "api/status_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/status_page.h"
#include "segd/build_info.h"
#include "segd/event/event_time.h"

namespace segd {
namespace {

using nlohmann::json;

const int64_t kWatermark = ParseRfc3339Ms("2018-08-29T15:00:37Z").value();

class StatusApiTest : public ::testing::Test {
 protected:
  StatusApiTest() {
    config_.kafka.group_id = "segd-eu";
    config_.kafka.topics = {"orders", "orders-b"};
    stats_.messages = 1234;
    stats_.outcomes[0] = 1200;  // applied
    stats_.outcomes[1] = 30;    // a duplicate outcome
    stats_.rejected[0] = 4;
    stats_.batches = 7;
    stats_.customers = 900;
  }

  StatusApi Make(StatusSources extra) {
    extra.stats = &stats_;
    if (!extra.not_ready_reason) extra.not_ready_reason = [] { return std::string(); };
    if (!extra.watermark) extra.watermark = [] { return kWatermark; };
    return StatusApi(config_, std::move(extra));
  }

  static HttpResponse Get(const StatusApi& api, const std::string& path) {
    auto r = api.Handle({.method = "GET", .path = path});
    EXPECT_TRUE(r.has_value()) << path;
    return r ? *r : HttpResponse{};
  }

  SegdConfig config_;
  IngestStats stats_;
};

TEST_F(StatusApiTest, StatusReportsIngestLagWatermarkAndMembers) {
  const StatusApi api =
      Make({.lag =
                [] {
                  return std::vector<PartitionLag>{{"orders", 0, 5}, {"orders", 1, 7}};
                },
            .members =
                [] {
                  return std::vector<MemberRecord>{{.member_id = "a",
                                                    .url = "http://10.0.0.1:8080",
                                                    .sent_ms = kWatermark,
                                                    .partitions = {{"orders", 0}, {"orders", 1}},
                                                    .customers = 900,
                                                    .watermark_ms = kWatermark},
                                                   {.member_id = "b", .customers = 100}};
                }});
  const HttpResponse r = Get(api, "/v1/status");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.route, "/v1/status");
  const json j = json::parse(r.body);
  EXPECT_EQ(j["version"], kVersion);
  EXPECT_EQ(j["group_id"], "segd-eu");
  EXPECT_EQ(j["topics"], json({"orders", "orders-b"}));
  EXPECT_EQ(j["ready"], true);
  EXPECT_TRUE(j["not_ready_reason"].is_null());
  EXPECT_EQ(j["watermark"], "2018-08-29T15:00:37Z");
  EXPECT_EQ(j["ingest"], json({{"messages", 1234},
                               {"applied", 1200},
                               {"duplicates", 30},
                               {"rejected", 4},
                               {"stale", 0},
                               {"batches", 7},
                               {"customers", 900},
                               {"retrains", 0}}));
  EXPECT_EQ(j["lag"]["messages"], 12);
  EXPECT_EQ(j["lag"]["partitions"][1],
            json({{"topic", "orders"}, {"partition", 1}, {"messages", 7}}));
  EXPECT_EQ(j["cluster"]["customers"], 1000);
  ASSERT_EQ(j["cluster"]["members"].size(), 2u);
  EXPECT_EQ(j["cluster"]["members"][0], json({{"member_id", "a"},
                                              {"url", "http://10.0.0.1:8080"},
                                              {"partitions", 2},
                                              {"customers", 900},
                                              {"watermark", "2018-08-29T15:00:37Z"},
                                              {"heartbeat_at", "2018-08-29T15:00:37Z"}}));
  EXPECT_TRUE(j["cluster"]["members"][1]["watermark"].is_null());
}

TEST_F(StatusApiTest, UnknownLagIsNullAndOneInstanceHasNoCluster) {
  const StatusApi api = Make({.not_ready_reason = [] { return std::string("no partitions"); },
                              .watermark = [] { return int64_t{0}; },
                              .lag = [] { return std::vector<PartitionLag>{}; }});
  const json j = json::parse(Get(api, "/v1/status").body);
  EXPECT_EQ(j["ready"], false);
  EXPECT_EQ(j["not_ready_reason"], "no partitions");
  EXPECT_TRUE(j["watermark"].is_null());
  EXPECT_TRUE(j["lag"]["messages"].is_null());
  EXPECT_EQ(j["lag"]["partitions"], json::array());
  EXPECT_TRUE(j["cluster"].is_null());
}

TEST_F(StatusApiTest, PageIsOneSelfContainedHtmlDocument) {
  const HttpResponse r = Get(Make({}), "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.route, "/");
  EXPECT_EQ(r.body, StatusPageHtml());
  EXPECT_TRUE(r.body.starts_with("<!doctype html>"));
  EXPECT_TRUE(r.body.ends_with("</html>\n"));
  // Nothing from another origin or another file: no URL with a scheme, no stylesheet or script
  // or image source, no CSS import.
  for (const char* external :
       {"http://", "https://", "//cdn", "<link", " src=", "@import", "url("}) {
    EXPECT_EQ(r.body.find(external), std::string::npos) << external;
  }
  EXPECT_NE(r.body.find("<style>"), std::string::npos);
  EXPECT_NE(r.body.find("<script>"), std::string::npos);
}

TEST_F(StatusApiTest, PageOnlyEverWritesTextIntoItself) {
  // Segment names come from configuration and member URLs from other instances: the script
  // must put every value in as text (textContent, attributes it checks), never parse markup.
  const std::string_view page = StatusPageHtml();
  for (const char* markup :
       {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "DOMParser"}) {
    EXPECT_EQ(page.find(markup), std::string_view::npos) << markup;
  }
  EXPECT_NE(page.find("textContent"), std::string_view::npos);
}

TEST_F(StatusApiTest, OnlyGetIsAllowedAndOtherPathsAreNotItsOwn) {
  const StatusApi api = Make({});
  for (const char* path : {"/", "/v1/status"}) {
    auto r = api.Handle({.method = "POST", .path = path});
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 405);
    EXPECT_EQ(r->headers, (std::vector<std::pair<std::string, std::string>>{{"Allow", "GET"}}));
  }
  EXPECT_FALSE(api.Handle({.method = "GET", .path = "/v1/segments"}).has_value());
  EXPECT_FALSE(api.Handle({.method = "GET", .path = "/index.html"}).has_value());
}

}  // namespace
}  // namespace segd
