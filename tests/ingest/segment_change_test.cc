// The customer.segment.changed.v1 encoding (docs/contracts/segment-changes-v1.md) and the
// announcement blobs.
#include "segd/ingest/segment_change.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "segd/event/event_time.h"

namespace segd {
namespace {

using nlohmann::json;

CustomerSegmentChange Example() {
  return {.customer_id = "7c396fd4830fd04220f754e42b4e5bff",
          .previous = 1,
          .previous_name = "lapsed, one-time, low spend",
          .segment = 3,
          .segment_name = "recent, repeat, mid spend",
          .cause = SegmentChangeCause::kEvent,
          .baseline_version = 2,
          .live_updates = 1234,
          .features = {{"recency_days", 0},
                       {"frequency", 2},
                       {"monetary_total", 151.4},
                       {"mean_review", 4.5}},
          .event_time_ms = ParseRfc3339Ms("2017-10-02T10:56:33Z").value(),
          .as_of_ms = ParseRfc3339Ms("2017-10-02T10:56:33Z").value(),
          .cause_event_id = "e481f51cbdc54678b7cc49136f2d6af7/placed"};
}

TEST(SegmentChangeTest, EncodesTheContractsFields) {
  const Announcement a = EncodeSegmentChange(Example(), "/segd/segd");
  EXPECT_EQ(a.key, "7c396fd4830fd04220f754e42b4e5bff");
  const json e = json::parse(a.value);
  EXPECT_EQ(e["specversion"], "1.0");
  EXPECT_EQ(e["type"], "customer.segment.changed.v1");
  EXPECT_EQ(e["source"], "/segd/segd");
  EXPECT_EQ(e["subject"], a.key);
  EXPECT_EQ(e["time"], "2017-10-02T10:56:33Z");
  EXPECT_EQ(e["id"], SegmentChangeId(Example()));
  EXPECT_EQ(e["id"].get<std::string>().size(), 32u);
  const json& d = e["data"];
  EXPECT_EQ(d["previous"], json({{"id", 1}, {"name", "lapsed, one-time, low spend"}}));
  EXPECT_EQ(d["segment"], json({{"id", 3}, {"name", "recent, repeat, mid spend"}}));
  EXPECT_EQ(d["cause"], "event");
  EXPECT_EQ(d["caused_by"], "e481f51cbdc54678b7cc49136f2d6af7/placed");
  EXPECT_EQ(d["model"], json({{"kind", "live"}, {"baseline_version", 2}, {"live_updates", 1234}}));
  EXPECT_DOUBLE_EQ(d["features"]["monetary_total"].get<double>(), 151.4);
  EXPECT_EQ(d["as_of"], "2017-10-02T10:56:33Z");
}

TEST(SegmentChangeTest, TheExampleBesideTheContractIsWhatTheEncoderWrites) {
  std::ifstream in(std::string(SEGD_SOURCE_DIR) +
                   "/docs/contracts/segment-changes-v1.example.json");
  ASSERT_TRUE(in) << "docs/contracts/segment-changes-v1.example.json";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(json::parse(text.str()),
            json::parse(EncodeSegmentChange(Example(), "/segd/segd").value));
}

TEST(SegmentChangeTest, FirstsAndRelabelsHaveNulls) {
  CustomerSegmentChange c = Example();
  c.previous = -1;
  c.cause = SegmentChangeCause::kRelabel;
  const json d = json::parse(EncodeSegmentChange(c, "/s").value)["data"];
  EXPECT_TRUE(d["previous"].is_null());
  EXPECT_TRUE(d["caused_by"].is_null());
  EXPECT_EQ(d["cause"], "relabel");
  EXPECT_EQ(d["model"]["kind"], "baseline");
}

TEST(SegmentChangeTest, IdsNameTheCustomerTheCauseAndTheOutcome) {
  const CustomerSegmentChange base = Example();
  EXPECT_EQ(SegmentChangeId(base), SegmentChangeId(Example()));
  CustomerSegmentChange other = base;
  other.customer_id += "x";
  EXPECT_NE(SegmentChangeId(other), SegmentChangeId(base));
  other = base;
  other.cause_event_id = "another event";
  EXPECT_NE(SegmentChangeId(other), SegmentChangeId(base));
  other = base;
  other.segment = 2;
  EXPECT_NE(SegmentChangeId(other), SegmentChangeId(base));
  other = base;
  other.cause = SegmentChangeCause::kRelabel;
  EXPECT_NE(SegmentChangeId(other), SegmentChangeId(base));
  other.baseline_version = 3;
  CustomerSegmentChange relabel = base;
  relabel.cause = SegmentChangeCause::kRelabel;
  EXPECT_NE(SegmentChangeId(other), SegmentChangeId(relabel));
}

TEST(SegmentChangeTest, AnnouncementBlobsRoundTripAndRejectDamage) {
  const std::vector<Announcement> in = {{"a", "{}"}, {"", ""}, {"customer\n2", "x\0y"}};
  const std::string blob = EncodeAnnouncements(in);
  std::vector<Announcement> out;
  ASSERT_TRUE(DecodeAnnouncements(blob, &out).ok());
  EXPECT_EQ(out, in);
  ASSERT_TRUE(DecodeAnnouncements(EncodeAnnouncements({}), &out).ok());
  EXPECT_TRUE(out.empty());
  for (size_t cut = 1; cut < blob.size(); ++cut) {
    EXPECT_EQ(DecodeAnnouncements(blob.substr(0, cut), &out).code(), StatusCode::kDataLoss) << cut;
  }
  EXPECT_EQ(DecodeAnnouncements(blob + "z", &out).code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace segd
