#include "segd/model/contingency_table.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace segd {
namespace {

double Ari(std::vector<int> a, std::vector<int> b) {
  const int ka = *std::max_element(a.begin(), a.end()) + 1;
  const int kb = *std::max_element(b.begin(), b.end()) + 1;
  return AdjustedRandIndex(ContingencyTable::FromLabels(a, b, ka, kb));
}

// Values from scikit-learn 1.2 adjusted_rand_score (its documentation's examples).
TEST(AdjustedRandIndexTest, MatchesTextbookValues) {
  EXPECT_DOUBLE_EQ(Ari({0, 0, 1, 1}, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(Ari({0, 0, 1, 1}, {1, 1, 0, 0}), 1.0);  // permutation invariant
  EXPECT_NEAR(Ari({0, 0, 1, 1}, {0, 0, 1, 2}), 0.5714285714285714, 1e-15);
  EXPECT_NEAR(Ari({0, 0, 1, 2}, {0, 0, 1, 1}), 0.5714285714285714, 1e-15);
  EXPECT_DOUBLE_EQ(Ari({0, 0, 0, 0}, {0, 1, 2, 3}), 0.0);
  EXPECT_DOUBLE_EQ(Ari({0, 0, 1, 1}, {0, 1, 0, 1}), -0.5);
}

TEST(AdjustedRandIndexTest, DegenerateLabelingsAreOne) {
  EXPECT_DOUBLE_EQ(Ari({0, 0, 0}, {0, 0, 0}), 1.0);                  // one cluster each
  EXPECT_DOUBLE_EQ(Ari({0, 1, 2}, {0, 1, 2}), 1.0);                  // all singletons
  EXPECT_DOUBLE_EQ(AdjustedRandIndex(ContingencyTable(3, 3)), 1.0);  // nobody
}

TEST(AdjustedRandIndexTest, EqualsScikitLearnOnRandomLabelings) {
  std::ifstream in(std::string(SEGD_SOURCE_DIR) + "/tests/fixtures/model/ari_cases.txt");
  ASSERT_TRUE(in) << "fixture missing";
  int cases = 0;
  size_t n;
  int ka, kb;
  double expected;
  while (in >> n >> ka >> kb >> expected) {
    std::vector<int> a(n), b(n);
    for (auto& x : a) in >> x;
    for (auto& x : b) in >> x;
    const double got = AdjustedRandIndex(ContingencyTable::FromLabels(a, b, ka, kb));
    EXPECT_NEAR(got, expected, 1e-12) << "case " << cases;
    ++cases;
  }
  EXPECT_EQ(cases, 40);
}

TEST(ContingencyTableTest, MergedTablesGiveTheSameIndexAsOneTable) {
  std::mt19937 rng(5);
  std::vector<int> a(1000), b(1000);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<int>(rng() % 4);
    b[i] = (i % 3 == 0) ? static_cast<int>(rng() % 5) : a[i];
  }
  ContingencyTable whole = ContingencyTable::FromLabels(a, b, 4, 5);
  ContingencyTable left =
      ContingencyTable::FromLabels(std::span(a).first(400), std::span(b).first(400), 4, 5);
  left.Merge(
      ContingencyTable::FromLabels(std::span(a).subspan(400), std::span(b).subspan(400), 4, 5));
  EXPECT_EQ(left.total(), 1000u);
  EXPECT_EQ(AdjustedRandIndex(left), AdjustedRandIndex(whole));
}

TEST(ContingencyTableTest, LargePopulationsStayExact) {
  // Over 100 million customers, built by doubling a table through Merge.
  ContingencyTable big(2, 2);
  ContingencyTable one(2, 2);
  one.Add(0, 0);
  one.Add(1, 1);
  big = one;
  for (int i = 0; i < 26; ++i) {
    ContingencyTable copy = big;
    big.Merge(copy);
  }
  EXPECT_EQ(big.total(), 2ull << 26);
  EXPECT_EQ(AdjustedRandIndex(big), 1.0);
  big.Add(0, 1);  // one customer moved: ARI just below 1, not rounded to it
  const double ari = AdjustedRandIndex(big);
  EXPECT_LT(ari, 1.0);
  EXPECT_GT(ari, 1.0 - 1e-7);
}

TEST(PopulationStabilityIndexTest, ZeroForEqualSharesAndGrowsWithShift) {
  const std::vector<double> a = {0.5, 0.3, 0.2}, same = a, shifted = {0.2, 0.3, 0.5};
  EXPECT_DOUBLE_EQ(PopulationStabilityIndex(a, same), 0.0);
  // (0.2-0.5) ln(0.2/0.5) + 0 + (0.5-0.2) ln(0.5/0.2) = 0.6 ln 2.5
  EXPECT_NEAR(PopulationStabilityIndex(a, shifted), 0.6 * std::log(2.5), 1e-12);
  const std::vector<double> empty_segment = {0.5, 0.5, 0.0};
  EXPECT_TRUE(std::isfinite(PopulationStabilityIndex(a, empty_segment)));
}

}  // namespace
}  // namespace segd
