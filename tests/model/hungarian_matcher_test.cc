#include "segd/model/hungarian_matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace segd {
namespace {

double Cost(const RowMatrix& c, const std::vector<int>& m) {
  double s = 0;
  for (size_t i = 0; i < m.size(); ++i) s += c(i, m[i]);
  return s;
}

TEST(HungarianMatcherTest, FindsTheKnownOptimum) {
  RowMatrix c(3, 3);
  c << 4, 1, 3,  //
      2, 0, 5,   //
      3, 2, 2;
  const std::vector<int> m = MinimumCostMatching(c);
  EXPECT_EQ(m, (std::vector<int>{1, 0, 2}));  // 1 + 2 + 2 = 5
  EXPECT_DOUBLE_EQ(Cost(c, m), 5);
}

TEST(HungarianMatcherTest, MatchesBruteForceOnRandomMatrices) {
  std::srand(4);
  for (int trial = 0; trial < 20; ++trial) {
    const int n = 2 + trial % 5;
    RowMatrix c(n, n);
    for (int i = 0; i < c.size(); ++i) c.data()[i] = std::rand() % 100;
    std::vector<int> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    double best = 1e18;
    do best = std::min(best, Cost(c, perm));
    while (std::next_permutation(perm.begin(), perm.end()));
    EXPECT_DOUBLE_EQ(Cost(c, MinimumCostMatching(c)), best) << "trial " << trial;
  }
}

TEST(HungarianMatcherTest, PermutedAndNudgedCentroidsKeepTheirIds) {
  RowMatrix old_c(4, 2), new_c(4, 2);
  old_c << 0, 0, 10, 0, 0, 10, 10, 10;
  // The new fit found the same clusters in another order, slightly moved.
  new_c << 10.3, 9.8, 0.2, 0.1, 9.9, -0.4, 0.1, 10.2;
  EXPECT_EQ(MatchCentroids(old_c, new_c), (std::vector<int>{3, 0, 1, 2}));
}

}  // namespace
}  // namespace segd
