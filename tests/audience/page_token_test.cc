#include "segd/audience/page_token.h"

#include <gtest/gtest.h>

#include "segd/common/hex.h"

namespace segd {
namespace {

TEST(PageTokenTest, RoundTripsEveryField) {
  const PageToken t{.snapshot_id = "0123456789abcdef",
                    .segment = 4,
                    .model = AudienceModel::kBaseline,
                    .after = std::string("cust\0/&=é", 11)};
  auto back = DecodePageToken(EncodePageToken(t));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->snapshot_id, t.snapshot_id);
  EXPECT_EQ(back->segment, 4);
  EXPECT_EQ(back->model, AudienceModel::kBaseline);
  EXPECT_EQ(back->after, t.after);
}

TEST(PageTokenTest, EveryCustomerListingAndTheLiveModelRoundTrip) {
  auto back = DecodePageToken(EncodePageToken({.snapshot_id = "s"}));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->segment, -1);
  EXPECT_EQ(back->model, AudienceModel::kLive);
  EXPECT_EQ(back->after, "");
}

TEST(PageTokenTest, TokenIsUrlSafeText) {
  const std::string text = EncodePageToken({.snapshot_id = "s", .after = "a b/c?d"});
  EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), std::string::npos) << text;
}

TEST(PageTokenTest, MalformedTokensAreInvalidArgument) {
  const std::string good = EncodePageToken({.snapshot_id = "s", .segment = 1, .after = "x"});
  std::string bytes;
  ASSERT_TRUE(HexDecode(good, &bytes));
  std::string wrong_version = bytes, wrong_model = bytes, bad_segment = bytes;
  wrong_version[0] = 2;
  wrong_model[1] = 7;
  bad_segment[2] = char(0xfe);  // segment -2 (little-endian int32)
  bad_segment[3] = bad_segment[4] = bad_segment[5] = char(0xff);
  const std::string no_snapshot = HexEncode(bytes.substr(0, 6) + std::string("\0\0\1\0x", 5));
  for (const std::string& bad :
       {std::string(""), std::string("zz"), std::string("abc"), good.substr(0, good.size() - 2),
        good + "00", HexEncode(wrong_version), HexEncode(wrong_model), HexEncode(bad_segment),
        no_snapshot, std::string("ABCD")}) {
    auto t = DecodePageToken(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(t.status().message(), "page_token is malformed: pass one a page returned");
  }
}

}  // namespace
}  // namespace segd
