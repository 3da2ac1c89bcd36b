#include "app/drift_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "segd/event/event_time.h"
#include "segd/state/memory_state_store.h"

namespace segd {
namespace {

using nlohmann::json;

const int64_t kStart = ParseRfc3339Ms("2018-01-04T00:00:00Z").value();
constexpr int64_t kStep = 14 * kMillisPerDay;

DriftRecord Record(int i) {
  DriftRecord r;
  r.as_of_ms = kStart + i * kStep;
  r.evaluated_unix_ms = 1'700'000'000'000 + i;
  r.baseline_version = i < 10 ? 1 : 2;
  r.customers = 1000 + uint64_t(i);
  r.ari_online = 1.0 - 0.02 * i;
  if (i % 4 == 0) r.ari_refit = 0.9 - 0.03 * i;
  r.method = "online";
  r.policy = {.recommended = i >= 7 && i < 10, .below = i >= 5 && i < 10 ? i - 4 : 0};
  r.features = {"recency_days", "frequency"};
  r.segment_names = {"a", "b"};
  r.share_baseline = {0.5, 0.5};
  r.share_live = {0.5 + 0.01 * i, 0.5 - 0.01 * i};
  r.migration = {{10, 1}, {0, 9}};
  r.centroid_shift = {{1.5, 0.0}, {-2.0, 0.25}};
  return r;
}

class DriftApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 25; ++i) ASSERT_TRUE(history_.Append(Record(i)).ok());
    // A wall-clock evaluation between two boundaries.
    DriftRecord wall = Record(3);
    wall.as_of_ms += kMillisPerDay;
    wall.schedule = DriftSchedule::kWallClock;
    ASSERT_TRUE(history_.Append(wall).ok());
  }
  HttpResponse Get(const std::string& path, const std::string& query = "") const {
    return *api_.Handle({.method = "GET", .path = path, .query = query});
  }

  MemoryStateStore store_;
  DriftHistory history_{&store_, {.keep = 0}};
  DriftApi api_{DriftConfig{.every_event_days = 14}, &history_};
};

TEST_F(DriftApiTest, PagesGiveEveryEvaluationOnceInEventTimeOrder) {
  std::vector<std::string> as_of;
  std::string token;
  int pages = 0;
  do {
    const HttpResponse r =
        Get("/v1/drift", "page_size=4" + (token.empty() ? "" : "&page_token=" + token));
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = json::parse(r.body);
    for (const json& e : j["evaluations"]) as_of.push_back(e["as_of"]);
    token = j["next_page_token"].is_null() ? "" : j["next_page_token"].get<std::string>();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 7);  // 26 evaluations, 4 a page
  ASSERT_EQ(as_of.size(), 26u);
  EXPECT_TRUE(std::is_sorted(as_of.begin(), as_of.end()));
  EXPECT_EQ(as_of[4], FormatRfc3339(kStart + 3 * kStep + kMillisPerDay));  // the wall-clock one
}

TEST_F(DriftApiTest, RangeIsInEventTimeAndRecordsKeepWhatMoved) {
  const HttpResponse r = Get("/v1/drift", "from=2018-03-01&to=2018-04-26T00%3A00%3A00Z");
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(r.body);
  ASSERT_EQ(j["evaluations"].size(), 4u);  // 03-01, 03-15, 03-29, 04-12
  const json& e = j["evaluations"][0];
  EXPECT_EQ(e["as_of"], "2018-03-01T00:00:00Z");
  EXPECT_EQ(e["schedule"], "event_time");
  EXPECT_DOUBLE_EQ(e["ari"]["online"].get<double>(), 1.0 - 0.02 * 4);
  EXPECT_DOUBLE_EQ(e["ari"]["refit"].get<double>(), 0.9 - 0.03 * 4);
  EXPECT_TRUE(j["evaluations"][1]["ari"]["refit"].is_null());
  EXPECT_EQ(e["segments"][1]["centroid_shift"]["frequency"], 0.25);
  EXPECT_EQ(e["migration"][0][1], 1);
  EXPECT_EQ(j["schedule"]["every_event_days"], 14);
}

TEST_F(DriftApiTest, ChartShowsCurvesThresholdsRecommendationAndNewBaseline) {
  const HttpResponse r = Get("/v1/drift/chart.svg");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "image/svg+xml");
  EXPECT_TRUE(r.body.starts_with("<svg"));
  EXPECT_NE(r.body.find("retrain threshold 0.80"), std::string::npos);
  EXPECT_NE(r.body.find("critical 0.60"), std::string::npos);
  EXPECT_NE(r.body.find("retrain recommended 2018-04-12"), std::string::npos);  // i = 7
  EXPECT_NE(r.body.find(">v2</text>"), std::string::npos);
  // Two curves: online and refit.
  size_t lines = 0;
  for (size_t at = r.body.find("<polyline"); at != std::string::npos;
       at = r.body.find("<polyline", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 2u);
}

TEST_F(DriftApiTest, BadQueriesAreProblems) {
  for (const char* q : {"page_size=0", "page_size=1001", "page_size=x", "from=2018-13-01",
                        "to=soon", "from=2018-05-01&to=2018-04-01", "page_token=abc", "limit=3"}) {
    const HttpResponse r = Get("/v1/drift", q);
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(r.content_type, "application/problem+json") << q;
  }
  EXPECT_EQ(Get("/v1/drift/chart.svg", "page_size=3").status, 400);
  EXPECT_EQ(api_.Handle({.method = "DELETE", .path = "/v1/drift"})->status, 405);
  EXPECT_FALSE(api_.Handle({.method = "GET", .path = "/v1/drifts"}).has_value());
}

TEST(DriftHistoryTest, KeepsTheNewestByCountAndByAge) {
  MemoryStateStore store;
  DriftHistory by_count(&store, {.keep = 5});
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(by_count.Append(Record(i)).ok());
  auto page = by_count.Read(0, INT64_MAX, 100, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->records.size(), 5u);
  EXPECT_EQ(page->records.front().as_of_ms, Record(7).as_of_ms);
  MemoryStateStore store2;
  DriftHistory by_age(&store2, {.keep = 0, .keep_days = 50});
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(by_age.Append(Record(i)).ok());
  page = by_age.Read(0, INT64_MAX, 100, "");
  ASSERT_EQ(page->records.size(), 4u);  // 11, 10, 9, 8: at most 50 days before the newest
  // The same boundary evaluated again replaces its record.
  DriftRecord again = Record(11);
  again.ari_online = 0.5;
  ASSERT_TRUE(by_age.Append(again).ok());
  page = by_age.Read(0, INT64_MAX, 100, "");
  ASSERT_EQ(page->records.size(), 4u);
  EXPECT_EQ(page->records.back().ari_online, 0.5);
  auto last = by_age.LastEventTimeBefore(Record(11).as_of_ms);
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->as_of_ms, Record(10).as_of_ms);
}

}  // namespace
}  // namespace segd
