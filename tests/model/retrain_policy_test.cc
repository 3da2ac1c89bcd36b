#include "segd/model/retrain_policy.h"

#include <gtest/gtest.h>

namespace segd {
namespace {

TEST(RetrainPolicyTest, RaisesAfterConsecutiveLowEvaluationsOnly) {
  RetrainPolicy p({.threshold = 0.8, .consecutive = 3});
  EXPECT_FALSE(p.Observe(0.7));
  EXPECT_FALSE(p.Observe(0.7));
  EXPECT_FALSE(p.Observe(0.9));  // streak broken
  EXPECT_FALSE(p.Observe(0.75));
  EXPECT_FALSE(p.Observe(0.79));
  EXPECT_TRUE(p.Observe(0.5));
  EXPECT_EQ(p.severity(), DriftSeverity::kCritical);
  EXPECT_TRUE(p.Observe(0.7));
  EXPECT_EQ(p.severity(), DriftSeverity::kWarning);
}

TEST(RetrainPolicyTest, ClearsWithHysteresis) {
  RetrainPolicy p({.threshold = 0.8, .consecutive = 2, .hysteresis = 0.05});
  p.Observe(0.5);
  ASSERT_TRUE(p.Observe(0.5));
  EXPECT_TRUE(p.Observe(0.82));  // above threshold but inside the hysteresis band
  EXPECT_TRUE(p.Observe(0.84));
  EXPECT_TRUE(p.Observe(0.86));  // first one over 0.85
  EXPECT_FALSE(p.Observe(0.9));  // second in a row: cleared
  EXPECT_EQ(p.severity(), DriftSeverity::kNone);
}

TEST(RetrainPolicyTest, ResetForgetsTheStreak) {
  RetrainPolicy p({.consecutive = 2});
  p.Observe(0.1);
  p.Reset();
  EXPECT_FALSE(p.Observe(0.1));
  EXPECT_TRUE(p.Observe(0.1));
}

}  // namespace
}  // namespace segd
