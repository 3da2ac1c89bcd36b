#include "segd/cluster/live_record.h"

#include <gtest/gtest.h>

#include <cmath>

namespace segd {
namespace {

LiveContribution Contribution(int32_t partition, double scale) {
  LiveContribution c{.baseline_version = 7,
                     .partition = {"orders", partition},
                     .since_ms = 1'500'000'000'000,
                     .time_ms = 1'500'000'123'456,
                     .weights = {0.1 * scale, 0.0, 1e-300, 12345.678},
                     .sums = RowMatrix(4, 2)};
  c.sums << 1.0 / 3, -2.5e-7, 0.0, -0.0, 4.9e-324, 1e300, std::nextafter(1.0, 2.0), -scale;
  return c;
}

LiveRecord Record() {
  return LiveRecord{.baseline_version = 7,
                    .baseline_fingerprint = 0xfedcba9876543210,
                    .sent_ms = 1'700'000'000'000,
                    .k = 4,
                    .d = 2,
                    .contributions = {Contribution(0, 1.0), Contribution(5, M_PI)}};
}

TEST(LiveRecordTest, RoundTripIsExactToTheBit) {
  const LiveRecord r = Record();
  const std::string text = EncodeLiveRecord(r);
  EXPECT_TRUE(text.starts_with("segd-live 1\nbaseline=7\nfingerprint=fedcba9876543210\n"));
  auto back = DecodeLiveRecord(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
  EXPECT_EQ(std::signbit(back->contributions[0].sums(1, 1)), true);  // -0.0 stays -0.0
  // No partition yet (a member without contributions) is a valid record too.
  const LiveRecord empty{.baseline_version = 1, .sent_ms = 5, .k = 2, .d = 3};
  auto e = DecodeLiveRecord(EncodeLiveRecord(empty));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, empty);
}

TEST(LiveRecordTest, UnknownKeysAreIgnored) {
  std::string text = EncodeLiveRecord(Record());
  text.insert(text.find("\nk="), "\nfuture_key=whatever");
  auto back = DecodeLiveRecord(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Record());
}

TEST(LiveRecordTest, RejectsBrokenRecords) {
  const std::string good = EncodeLiveRecord(Record());
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  const std::vector<std::string> broken = {
      "segd-member 1\nid=x\n",            // another kind
      "segd-live 2\n" + good.substr(12),  // another version
      good.substr(0, good.size() / 2),    // cut in the middle of a partition's values
      replace("\nsent_ms=", "\nsent=")    // no sent_ms
          .substr(0),
      replace("k=4", "k=0"),                                 // shape out of range
      replace("d=2", "d=2000"),                              // shape out of range
      replace("weights=", "weights=1p+0 "),                  // one value too many
      replace("weights=", "weights=-"),                      // negative weight
      replace("weights=", "weights=inf "),                   // not finite (and too many)
      replace("sums=", "sums=nan "),                         // not finite
      replace("sums=", "sums=zz "),                          // not a number
      replace("partition=orders/5", "partition=orders/0"),   // a partition twice
      replace("partition=orders/5", "partition=orders"),     // no partition number
      replace("\nbaseline=7", ""),                           // no baseline
      replace("time_ms=1500000123456\nweights", "weights"),  // a partition without time_ms
      replace("\nsince_ms=", "\nsince_ms"),                  // a line without '='
  };
  for (const std::string& text : broken) {
    EXPECT_FALSE(DecodeLiveRecord(text).ok()) << text;
  }
}

}  // namespace
}  // namespace segd
