#include "segd/model/segment_namer.h"

#include <gtest/gtest.h>

namespace segd {
namespace {

TEST(SegmentNamerTest, NamesTheOlistRfmSegments) {
  const FeatureSpec spec = FeatureSpec::Default();  // recency, frequency, monetary
  const std::vector<double> medians = {220, 1, 105};
  EXPECT_EQ(NameSegment(spec, {30, 2.4, 480}, medians), "recent, repeat, high spend");
  EXPECT_EQ(NameSegment(spec, {400, 1.0, 40}, medians), "lapsed, one-time, low spend");
}

TEST(SegmentNamerTest, SkipsZeroWeightFeaturesAndNamesOthers) {
  FeatureSpec spec;
  spec.features = {{.kind = FeatureKind::kMeanReview},
                   {.kind = FeatureKind::kMeanItems, .weight = 0}};
  EXPECT_EQ(NameSegment(spec, {2.0, 9}, {4.0, 1}), "dissatisfied");
}

TEST(SegmentNamerTest, ColumnMediansOfOddAndEvenCounts) {
  EXPECT_EQ(ColumnMedians({{1, 10}, {3, 30}, {2, 20}}), (std::vector<double>{2, 20}));
  EXPECT_EQ(ColumnMedians({{1}, {4}, {2}, {3}}), (std::vector<double>{3}));  // upper median
  EXPECT_TRUE(ColumnMedians({}).empty());
}

}  // namespace
}  // namespace segd
