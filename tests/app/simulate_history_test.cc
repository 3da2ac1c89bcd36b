// The histories `segd simulate` reads: JSONL (time order, bad lines kept in place), the Olist
// CSV fixture, and the generator.
#include "app/simulate_history.h"

#include <gtest/gtest.h>

#include <fstream>

#include "app/simulate.h"
#include "segd/event/event_time.h"
#include "segd/replay/event_json_writer.h"
#include "testing/temp_dir.h"

namespace segd {
namespace {

std::string PlacedJson(const std::string& customer, const std::string& order, int64_t time_ms) {
  Event e;
  e.id = order + "/placed";
  e.subject = customer;
  e.order_id = order;
  e.time_ms = time_ms;
  e.amount = 10;
  std::string json;
  AppendEventJson(e, &json);
  return json;
}

const int64_t kT = ParseRfc3339Ms("2017-03-01T10:00:00Z").value();

TEST(SimulateHistoryTest, JsonlKeepsABadLineInPlaceWithThePreviousTime) {
  testing::TempDir dir;
  const std::string path = dir.Sub("h.jsonl");
  {
    std::ofstream out(path);
    out << PlacedJson("u1", "o1", kT) << "\n\n"
        << "{not json\n"
        << PlacedJson("u2", "o2", kT + 5) << "\n";
  }
  auto events = LoadHistory({.jsonl_path = path});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 3u);  // the empty line is skipped
  EXPECT_EQ((*events)[0].key, "u1");
  EXPECT_EQ((*events)[0].time_ms, kT);
  EXPECT_EQ((*events)[1].key, "");  // sent without a key: the pipeline dead-letters it
  EXPECT_EQ((*events)[1].time_ms, kT);
  EXPECT_EQ((*events)[1].json, "{not json");
  EXPECT_EQ((*events)[2].key, "u2");
  EXPECT_EQ((*events)[2].time_ms, kT + 5);
}

TEST(SimulateHistoryTest, JsonlMustBeInEventTimeOrder) {
  testing::TempDir dir;
  const std::string path = dir.Sub("h.jsonl");
  {
    std::ofstream out(path);
    out << PlacedJson("u1", "o1", kT) << "\n" << PlacedJson("u2", "o2", kT - 1) << "\n";
  }
  auto events = LoadHistory({.jsonl_path = path});
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.status().message(),
            path + ": line 2 goes back in time: the history must be in event-time order");
  EXPECT_EQ(LoadHistory({.jsonl_path = dir.Sub("missing.jsonl")}).status().code(),
            StatusCode::kNotFound);
}

TEST(SimulateHistoryTest, NeedsExactlyOneSource) {
  EXPECT_EQ(LoadHistory({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadHistory({.jsonl_path = "a", .olist_dir = "b"}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SimulateHistoryTest, ReadsTheOlistFixtureInSaoPauloTime) {
  auto events = LoadHistory({.olist_dir = std::string(SEGD_SOURCE_DIR) + "/tests/fixtures/olist"});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 9u);  // as olist_csv_reader_test maps them
  EXPECT_EQ((*events)[0].key, "u1");
  EXPECT_EQ((*events)[0].time_ms, ParseRfc3339Ms("2017-10-02T10:56:33-03:00").value());
  EXPECT_NE((*events)[0].json.find("\"2017-10-02T10:56:33-03:00\""), std::string::npos);
  for (size_t i = 1; i < events->size(); ++i) {
    EXPECT_GE((*events)[i].time_ms, (*events)[i - 1].time_ms);
  }
  // Two customers are too few for a model: simulate says so.
  SimulateOptions o;
  o.start_ms = ParseRfc3339Ms("2018-01-01T00:00:00Z").value();
  o.step_days = 7;
  auto r = Simulate(*events, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cannot fit M0 at 2018-01-01"), std::string::npos)
      << r.status().message();
}

TEST(SimulateHistoryTest, GeneratorGivesKeyedEventsInTimeOrder) {
  auto events = LoadHistory({.generator = GeneratorOptions{.seed = 1, .customers = 300}});
  ASSERT_TRUE(events.ok());
  ASSERT_GE(events->size(), 300u);
  for (size_t i = 1; i < events->size(); ++i) {
    ASSERT_GE((*events)[i].time_ms, (*events)[i - 1].time_ms);
    ASSERT_EQ((*events)[i].key.size(), 32u);  // customer ids are 32 hex characters
  }
  EXPECT_EQ(LoadHistory({.generator = GeneratorOptions{.seed = 1, .customers = 300}})->back().json,
            events->back().json);  // deterministic
}

}  // namespace
}  // namespace segd
