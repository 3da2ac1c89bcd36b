#include "segd/event/event_time.h"

#include <gtest/gtest.h>

namespace segd {
namespace {

TEST(EventTimeTest, ParsesKnownInstants) {
  EXPECT_EQ(ParseRfc3339Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Ms("2017-10-02T10:56:33Z"), 1506941793000);
  EXPECT_EQ(ParseRfc3339Ms("2017-10-02T07:56:33-03:00"), 1506941793000);
  EXPECT_EQ(ParseRfc3339Ms("2017-10-02T12:26:33+01:30"), 1506941793000);
  EXPECT_EQ(ParseRfc3339Ms("2017-10-02t10:56:33.5z"), 1506941793500);
  EXPECT_EQ(ParseRfc3339Ms("2017-10-02T10:56:33.123456Z"), 1506941793123);  // truncated
  EXPECT_EQ(ParseRfc3339Ms("2016-02-29T00:00:00Z"), 1456704000000);         // leap day
}

TEST(EventTimeTest, RejectsMalformedOrOutOfRange) {
  for (const char* bad :
       {"", "2017-10-02", "2017-10-02T10:56:33", "2017-13-02T10:56:33Z", "2017-02-30T10:56:33Z",
        "2017-10-02T24:00:00Z", "2017-10-02T10:60:00Z", "2017-10-02T10:56:33+0300",
        "2017-10-02T10:56:33Zjunk", "2017-10-02T10:56:33.Z", "abcd-10-02T10:56:33Z"}) {
    EXPECT_FALSE(ParseRfc3339Ms(bad).has_value()) << bad;
  }
}

TEST(EventTimeTest, FormatRoundTrips) {
  for (int64_t ms : {0LL, 1506941793000LL, 1506941793123LL, 951782400000LL, -86400000LL}) {
    EXPECT_EQ(ParseRfc3339Ms(FormatRfc3339(ms)), ms) << FormatRfc3339(ms);
    EXPECT_EQ(ParseRfc3339Ms(FormatRfc3339(ms, -180)), ms) << FormatRfc3339(ms, -180);
  }
  EXPECT_EQ(FormatRfc3339(1506941793000), "2017-10-02T10:56:33Z");
  EXPECT_EQ(FormatRfc3339(1506941793000, -180), "2017-10-02T07:56:33-03:00");
  EXPECT_EQ(FormatRfc3339(1506941793007), "2017-10-02T10:56:33.007Z");
}

TEST(EventTimeTest, DaysAsCommandLinesTakeThem) {
  EXPECT_EQ(ParseDayMs("2018-03-01"), ParseRfc3339Ms("2018-03-01T00:00:00Z"));
  EXPECT_EQ(ParseDayMs("2018-03-01T12:00:00-03:00"), ParseRfc3339Ms("2018-03-01T15:00:00Z"));
  EXPECT_EQ(ParseDayMs("2018-3-1"), std::nullopt);
  EXPECT_EQ(ParseDayMs("2018-02-30"), std::nullopt);
  EXPECT_EQ(FormatDay(*ParseRfc3339Ms("2018-03-01T23:59:59.999Z")), "2018-03-01");
}

}  // namespace
}  // namespace segd
