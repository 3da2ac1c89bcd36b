#include "segd/model/feature_spec.h"

#include <gtest/gtest.h>

#include <cmath>

#include "segd/event/event_time.h"

namespace segd {
namespace {

const int64_t kNow = 1'540'000'000'000;

CustomerState Customer() {
  CustomerState s;
  s.order_count = 2;
  s.first_order_ms = kNow - 100 * kMillisPerDay;
  s.last_order_ms = kNow - 10 * kMillisPerDay - kMillisPerDay / 2;
  s.total_amount = 300;
  s.item_sum = 3;
  s.installment_sum = 7;
  s.review_count = 2;
  s.review_score_sum = 9;
  return s;
}

TEST(FeatureSpecTest, DefaultIsTheOlistStudysRfm) {
  double out[3];
  ASSERT_TRUE(ExtractFeatures(FeatureSpec::Default(), Customer(), kNow, out));
  EXPECT_DOUBLE_EQ(out[0], 10.5);               // recency in days, fractional
  EXPECT_DOUBLE_EQ(out[1], std::log1p(2.0));    // frequency
  EXPECT_DOUBLE_EQ(out[2], std::log1p(300.0));  // monetary total
}

TEST(FeatureSpecTest, EveryKindInOriginalUnits) {
  const CustomerState s = Customer();
  EXPECT_DOUBLE_EQ(RawFeature(FeatureKind::kMonetaryMean, s, kNow, 4), 150);
  EXPECT_DOUBLE_EQ(RawFeature(FeatureKind::kMeanReview, s, kNow, 4), 4.5);
  EXPECT_DOUBLE_EQ(RawFeature(FeatureKind::kMeanItems, s, kNow, 4), 1.5);
  EXPECT_DOUBLE_EQ(RawFeature(FeatureKind::kMeanInstallments, s, kNow, 4), 3.5);
  CustomerState unreviewed = s;
  unreviewed.review_count = 0;
  unreviewed.review_score_sum = 0;
  EXPECT_DOUBLE_EQ(RawFeature(FeatureKind::kMeanReview, unreviewed, kNow, 3.7), 3.7);
}

TEST(FeatureSpecTest, ClipsAfterTransformAndSkipsCustomersWithoutOrders) {
  FeatureSpec spec;
  spec.features = {{.kind = FeatureKind::kMonetaryTotal,
                    .transform = FeatureTransform::kLog1p,
                    .clip_max = 5.0}};
  double out[1];
  ASSERT_TRUE(ExtractFeatures(spec, Customer(), kNow, out));
  EXPECT_DOUBLE_EQ(out[0], 5.0);  // log1p(300) = 5.7 clipped
  CustomerState none;
  EXPECT_FALSE(ExtractFeatures(spec, none, kNow, out));
}

TEST(FeatureSpecTest, NamesRoundTrip) {
  for (int i = 0; i <= int(FeatureKind::kMeanInstallments); ++i) {
    auto k = ParseFeatureKind(FeatureKindName(FeatureKind(i)));
    ASSERT_TRUE(k.ok());
    EXPECT_EQ(*k, FeatureKind(i));
  }
  EXPECT_FALSE(ParseFeatureKind("age").ok());
  EXPECT_EQ(*ParseFeatureTransform("log1p"), FeatureTransform::kLog1p);
  EXPECT_FALSE(ParseFeatureTransform("sqrt").ok());
}

}  // namespace
}  // namespace segd
