#include "segd/event/event_decoder.h"

#include <gtest/gtest.h>

#include <set>

#include "segd/event/event_time.h"

namespace segd {
namespace {

// The contract's example event.
const std::string kPlaced =
    R"({"specversion":"1.0","id":"e481f51cbdc54678b7cc49136f2d6af7/placed","source":"/olist/orders",)"
    R"("type":"order.placed.v1","subject":"7c396fd4830fd04220f754e42b4e5bff",)"
    R"("time":"2017-10-02T10:56:33Z","datacontenttype":"application/json",)"
    R"("data":{"order_id":"e481f51cbdc54678b7cc49136f2d6af7","amount":38.71,"items":1,)"
    R"("installments":1,"payment_type":"credit_card","state":"SP"}})";
const std::string kKey = "7c396fd4830fd04220f754e42b4e5bff";
const int64_t kNow = ParseRfc3339Ms("2020-01-01T00:00:00Z").value();

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

class EventDecoderTest : public ::testing::Test {
 protected:
  std::optional<Rejection> Decode(const std::string& value, const std::string* key = &kKey) {
    std::string_view k = key ? std::string_view(*key) : std::string_view();
    return decoder_.Decode(key ? &k : nullptr, value, kNow, &event_);
  }
  // Asserts a rejection with `code` whose detail mentions `field`.
  void ExpectRejected(const std::string& value, std::string_view code, const std::string& field,
                      const std::string* key = &kKey) {
    auto r = Decode(value, key);
    ASSERT_TRUE(r.has_value()) << value;
    EXPECT_EQ(RejectReasonCode(r->reason), code) << r->detail;
    EXPECT_NE(r->detail.find(field), std::string::npos) << r->detail;
  }
  EventDecoder decoder_;
  Event event_;
};

TEST_F(EventDecoderTest, DecodesThePlacedExampleFieldByField) {
  ASSERT_FALSE(Decode(kPlaced).has_value());
  EXPECT_EQ(event_.type, EventType::kOrderPlaced);
  EXPECT_EQ(event_.id, "e481f51cbdc54678b7cc49136f2d6af7/placed");
  EXPECT_EQ(event_.source, "/olist/orders");
  EXPECT_EQ(event_.subject, kKey);
  EXPECT_EQ(event_.time_ms, 1506941793000);
  EXPECT_EQ(event_.order_id, "e481f51cbdc54678b7cc49136f2d6af7");
  EXPECT_DOUBLE_EQ(event_.amount, 38.71);
  EXPECT_EQ(event_.items, 1);
  EXPECT_EQ(event_.installments, 1);
  EXPECT_EQ(event_.payment_type, "credit_card");
  EXPECT_EQ(event_.region, "SP");
}

TEST_F(EventDecoderTest, DecodesCanceledAndReviewAndResetsReusedFields) {
  ASSERT_FALSE(Decode(kPlaced).has_value());
  const std::string review =
      R"({"specversion":"1.0","id":"r1","source":"/s","type":"review.submitted.v1","subject":")" +
      kKey + R"(","time":"2017-10-05T08:00:00-03:00","data":{"order_id":"o9","score":4}})";
  ASSERT_FALSE(Decode(review).has_value());
  EXPECT_EQ(event_.type, EventType::kReviewSubmitted);
  EXPECT_EQ(event_.score, 4);
  EXPECT_EQ(event_.order_id, "o9");
  EXPECT_EQ(event_.time_ms, ParseRfc3339Ms("2017-10-05T11:00:00Z").value());
  EXPECT_EQ(event_.amount, 0.0);  // nothing left over from the placed event
  EXPECT_TRUE(event_.payment_type.empty());
  EXPECT_TRUE(event_.region.empty());
  const std::string cancel =
      R"({"specversion":"1.0","id":"x1","source":"/s","type":"order.canceled.v1","subject":")" +
      kKey + R"(","time":"2017-10-05T08:00:00.250Z","data":{"order_id":"o9"}})";
  ASSERT_FALSE(Decode(cancel).has_value());
  EXPECT_EQ(event_.type, EventType::kOrderCanceled);
  EXPECT_EQ(event_.time_ms % 1000, 250);
  EXPECT_EQ(event_.score, 0);
}

TEST_F(EventDecoderTest, OptionalCountsDefaultToOneAndUnknownFieldsAreIgnored) {
  std::string v = Replace(kPlaced, R"("items":1,"installments":1,)", "");
  v = Replace(v, R"("datacontenttype":"application/json",)",
              R"("traceparent":"00-ab","x":[1,{}],)");
  v = Replace(v, R"("state":"SP")", R"("state":"SP","coupon":{"code":"X"})");
  v = Replace(v, R"(,"payment_type":"credit_card")", "");
  ASSERT_FALSE(Decode(v).has_value());
  EXPECT_EQ(event_.items, 1);
  EXPECT_EQ(event_.installments, 1);
  EXPECT_TRUE(event_.payment_type.empty());
}

TEST_F(EventDecoderTest, RejectsOversizedValueAsValueTooLarge) {
  EventDecoder small({.max_event_bytes = 64 * 1024});
  std::string v =
      Replace(kPlaced, R"("state":"SP")", R"("state":"SP","pad":")" + std::string(1, 'x') + "\"");
  v = Replace(v, R"("pad":"x")", R"("pad":")" + std::string(64 * 1024 - v.size() + 1, 'x') + "\"");
  ASSERT_EQ(v.size(), 64u * 1024);
  std::string_view k(kKey);
  EXPECT_FALSE(small.Decode(&k, v, kNow, &event_).has_value());  // exactly at the limit
  auto r = small.Decode(&k, v + " ", kNow, &event_);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(RejectReasonCode(r->reason), "value_too_large");
  EXPECT_NE(r->detail.find("65537"), std::string::npos);
}

TEST_F(EventDecoderTest, RejectsInvalidUtf8AsBadUtf8) {
  ExpectRejected(Replace(kPlaced, "credit_card",
                         "credit\xC3\x28"
                         "card"),
                 "bad_utf8", "value");
  const std::string bad_key = "\xFF\xFE";
  ExpectRejected(kPlaced, "bad_utf8", "key", &bad_key);
}

TEST_F(EventDecoderTest, RejectsMalformedJsonAsBadJson) {
  ExpectRejected("{not json", "bad_json", "");
  ExpectRejected(kPlaced + " trailing", "bad_json", "");
  ExpectRejected("[1,2,3]", "bad_json", "object");
  ExpectRejected(Replace(kPlaced, "38.71", "NaN"), "bad_json", "");
  ExpectRejected(Replace(kPlaced, "38.71", "Infinity"), "bad_json", "");
  ExpectRejected(Replace(kPlaced, "38.71", "1e400"), "bad_json", "");  // not representable
  std::string deep = Replace(kPlaced, R"("state":"SP")",
                             R"("state":"SP","n":)" + std::string(40, '[') + std::string(40, ']'));
  ExpectRejected(deep, "bad_json", "");
}

TEST_F(EventDecoderTest, RejectsAbsentOrNullRequiredFieldAsMissingField) {
  ExpectRejected(Replace(kPlaced, R"("source":"/olist/orders",)", ""), "missing_field", "source");
  ExpectRejected(Replace(kPlaced, R"("amount":38.71,)", ""), "missing_field", "data.amount");
  ExpectRejected(
      Replace(kPlaced, R"("id":"e481f51cbdc54678b7cc49136f2d6af7/placed")", R"("id":null)"),
      "missing_field", "id");
}

TEST_F(EventDecoderTest, RejectsMistypedFieldAsWrongType) {
  ExpectRejected(Replace(kPlaced, R"("amount":38.71)", R"("amount":"38.71")"), "wrong_type",
                 "data.amount");
  ExpectRejected(
      Replace(kPlaced, R"("subject":"7c396fd4830fd04220f754e42b4e5bff")", R"("subject":7)"),
      "wrong_type", "subject");
  ExpectRejected(Replace(kPlaced, R"("items":1)", R"("items":"1")"), "wrong_type", "data.items");
  const size_t data = kPlaced.find(R"("data":)");
  ExpectRejected(kPlaced.substr(0, data) + R"("data":[]})", "wrong_type", "data");
}

TEST_F(EventDecoderTest, RejectsStringOutsideItsLengthAsBadLength) {
  const std::string id128(128, 'a'), id129(129, 'a');
  EXPECT_FALSE(
      Decode(Replace(kPlaced, "e481f51cbdc54678b7cc49136f2d6af7/placed", id128)).has_value());
  ExpectRejected(Replace(kPlaced, "e481f51cbdc54678b7cc49136f2d6af7/placed", id129), "bad_length",
                 "id");
  ExpectRejected(Replace(kPlaced, R"("source":"/olist/orders")", R"("source":"")"), "bad_length",
                 "source");
  ExpectRejected(
      Replace(kPlaced, R"("order_id":"e481f51cbdc54678b7cc49136f2d6af7")", R"("order_id":"")"),
      "bad_length", "data.order_id");
}

TEST_F(EventDecoderTest, RejectsOtherSpecVersionAsBadSpecVersion) {
  ExpectRejected(Replace(kPlaced, R"("specversion":"1.0")", R"("specversion":"0.3")"),
                 "bad_specversion", "specversion");
}

TEST_F(EventDecoderTest, RejectsOtherContentTypeAsBadContentType) {
  ExpectRejected(Replace(kPlaced, "application/json", "text/xml"), "bad_content_type",
                 "datacontenttype");
}

TEST_F(EventDecoderTest, RejectsUnsupportedTypeAsUnknownType) {
  ExpectRejected(Replace(kPlaced, "order.placed.v1", "order.shipped.v1"), "unknown_type",
                 "order.shipped.v1");
}

TEST_F(EventDecoderTest, RejectsUnparseableOrAncientTimeAsBadTime) {
  ExpectRejected(Replace(kPlaced, "2017-10-02T10:56:33Z", "2017-10-02 10:56"), "bad_time", "time");
  ExpectRejected(Replace(kPlaced, "2017-10-02T10:56:33Z", "2017-02-30T10:56:33Z"), "bad_time",
                 "time");
  ExpectRejected(Replace(kPlaced, "2017-10-02T10:56:33Z", "1970-01-01T00:00:00Z"), "bad_time",
                 "minimum");
}

TEST_F(EventDecoderTest, RejectsTimeBeyondTheSkewAsFutureTime) {
  const int64_t skew = DecoderOptions{}.max_future_skew_ms;
  const std::string at_limit = FormatRfc3339(kNow + skew);
  const std::string past_limit = FormatRfc3339(kNow + skew + 1);
  EXPECT_FALSE(Decode(Replace(kPlaced, "2017-10-02T10:56:33Z", at_limit)).has_value());
  ExpectRejected(Replace(kPlaced, "2017-10-02T10:56:33Z", past_limit), "future_time", "time");
}

TEST_F(EventDecoderTest, RejectsNegativeOrNonFiniteAmountAsBadAmount) {
  ExpectRejected(Replace(kPlaced, "38.71", "-3"), "bad_amount", "data.amount");
  EXPECT_FALSE(Decode(Replace(kPlaced, "38.71", "0")).has_value());
}

TEST_F(EventDecoderTest, RejectsScoreOutsideOneToFiveAsBadScore) {
  const std::string review =
      R"({"specversion":"1.0","id":"r1","source":"/s","type":"review.submitted.v1","subject":")" +
      kKey + R"(","time":"2017-10-05T08:00:00Z","data":{"order_id":"o9","score":5}})";
  EXPECT_FALSE(Decode(review).has_value());
  ExpectRejected(Replace(review, R"("score":5)", R"("score":6)"), "bad_score", "data.score");
  ExpectRejected(Replace(review, R"("score":5)", R"("score":0)"), "bad_score", "data.score");
  ExpectRejected(Replace(review, R"("score":5)", R"("score":4.5)"), "bad_score", "data.score");
  ExpectRejected(Replace(review, R"(,"score":5)", ""), "missing_field", "data.score");
}

TEST_F(EventDecoderTest, RejectsItemsOrInstallmentsBelowOneAsBadCount) {
  ExpectRejected(Replace(kPlaced, R"("items":1)", R"("items":0)"), "bad_count", "data.items");
  ExpectRejected(Replace(kPlaced, R"("installments":1)", R"("installments":1.5)"), "bad_count",
                 "data.installments");
}

TEST_F(EventDecoderTest, RejectsAbsentOrDifferentKeyAsKeyMismatch) {
  const std::string other = "someone-else";
  ExpectRejected(kPlaced, "key_mismatch", "key", &other);
  ExpectRejected(kPlaced, "key_mismatch", "no key", nullptr);
}

TEST_F(EventDecoderTest, EveryReasonHasADistinctStableCode) {
  std::set<std::string_view> codes;
  for (int i = 0; i < kRejectReasonCount; ++i) {
    codes.insert(RejectReasonCode(static_cast<RejectReason>(i)));
  }
  EXPECT_EQ(codes.size(), static_cast<size_t>(kRejectReasonCount));
  EXPECT_FALSE(codes.contains("unknown"));
}

}  // namespace
}  // namespace segd
