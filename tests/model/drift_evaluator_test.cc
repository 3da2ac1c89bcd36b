#include "segd/model/drift_evaluator.h"

#include <gtest/gtest.h>

#include "segd/event/event_time.h"
#include "segd/model/kmeans.h"
#include "segd/state/memory_state_store.h"

namespace segd {
namespace {

const int64_t kNow = ParseRfc3339Ms("2018-10-01T00:00:00Z").value();

// Customers in two clear groups: recent big spenders and lapsed small spenders.
void Fill(MemoryStateStore* store, int n) {
  std::vector<std::string> ids;
  std::vector<CustomerState> states(n);
  for (int i = 0; i < n; ++i) {
    const bool big = i % 2 == 0;
    CustomerState& s = states[i];
    s.order_count = big ? 3 : 1;
    s.total_amount = big ? 900 + i % 7 : 20 + i % 5;
    s.last_order_ms = kNow - (big ? 5 + i % 3 : 400 + i % 11) * kMillisPerDay;
    s.first_order_ms = s.last_order_ms;
    ids.push_back("c" + std::to_string(i));
  }
  CustomerRecord nobody;  // no live orders: not in the population
  std::vector<CustomerRecord> records(n);
  StateDelta d;
  for (int i = 0; i < n; ++i) {
    records[i].state = states[i];
    d.customers.emplace_back(ids[i], &records[i]);
  }
  d.customers.emplace_back("empty", &nobody);
  ASSERT_TRUE(store->Commit(d).ok());
}

TEST(DriftEvaluatorTest, IdenticalModelsGiveAriOneAndNoShift) {
  MemoryStateStore store;
  Fill(&store, 200);
  const FeatureSpec spec = FeatureSpec::Default();
  RowMatrix x(200, 3);
  int row = 0;
  ASSERT_TRUE(store
                  .ScanCustomers([&](std::string_view, const CustomerState& s) {
                    double f[3];
                    if (ExtractFeatures(spec, s, kNow, f)) x.row(row++) << f[0], f[1], f[2];
                    return true;
                  })
                  .ok());
  ASSERT_EQ(row, 200);
  const std::vector<double> w = {1, 1, 1};
  const Scaler scaler = Scaler::Fit(x, w);
  scaler.TransformInPlace(&x);
  const KMeansModel m = FitKMeans(x, {.k = 2, .n_init = 2});
  const ScaledModel base{&spec, &scaler, &m.centroids};
  auto r = EvaluateDrift(store, kNow, base, base);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->customers, 200u);  // "empty" is not in the population
  EXPECT_EQ(r->ari, 1.0);
  EXPECT_EQ(r->baseline_sizes, (std::vector<uint64_t>{100, 100}));
  EXPECT_DOUBLE_EQ(r->centroid_shift[0], 0.0);
  EXPECT_DOUBLE_EQ(r->psi, 0.0);
  // Active customers (an order within 28 days): the 100 recent big spenders, all in their
  // segment; within 400 days, everyone.
  EXPECT_EQ(r->active_days, kDefaultActiveDays);
  const int big = m.centroids(0, 0) < m.centroids(1, 0) ? 0 : 1;  // lower recency
  EXPECT_EQ(r->active_sizes[big], 100u);
  EXPECT_EQ(r->active_sizes[1 - big], 0u);
  auto year = EvaluateDrift(store, kNow, base, base, 420);
  ASSERT_TRUE(year.ok());
  EXPECT_EQ(year->active_sizes, (std::vector<uint64_t>{100, 100}));

  // A comparison model whose centroids collapsed onto one group: everyone in one segment.
  RowMatrix collapsed = m.centroids;
  collapsed.row(1) = collapsed.row(0) + Eigen::RowVectorXd::Constant(3, 100.0);
  auto drifted = EvaluateDrift(store, kNow, base, {&spec, &scaler, &collapsed});
  ASSERT_TRUE(drifted.ok());
  EXPECT_DOUBLE_EQ(drifted->ari, 0.0);
  EXPECT_GT(drifted->centroid_shift[1], 100.0);
  EXPECT_GT(drifted->psi, 1.0);
}

TEST(DriftEvaluatorTest, SharesOfSeveralInstancesAddUpToTheWholePopulationsReport) {
  MemoryStateStore store;
  Fill(&store, 200);
  const FeatureSpec spec = FeatureSpec::Default();
  RowMatrix x(200, 3);
  int row = 0;
  ASSERT_TRUE(store
                  .ScanCustomers([&](std::string_view, const CustomerState& s) {
                    double f[3];
                    if (ExtractFeatures(spec, s, kNow, f)) x.row(row++) << f[0], f[1], f[2];
                    return true;
                  })
                  .ok());
  const Scaler scaler = Scaler::Fit(x, std::vector<double>{1, 1, 1});
  scaler.TransformInPlace(&x);
  const KMeansModel m2 = FitKMeans(x, {.k = 2, .n_init = 2});
  const KMeansModel m3 = FitKMeans(x, {.k = 3, .n_init = 2, .seed = 5});
  const ScaledModel base{&spec, &scaler, &m2.centroids};
  RowMatrix moved = m2.centroids;
  moved.row(0) = 0.6 * m2.centroids.row(0) + 0.4 * m2.centroids.row(1);  // straddles the groups
  for (const ScaledModel cmp :
       {ScaledModel{&spec, &scaler, &moved}, ScaledModel{&spec, &scaler, &m3.centroids}}) {
    auto whole = EvaluateDrift(store, kNow, base, cmp, 30);
    ASSERT_TRUE(whole.ok());
    // Three instances, each with the customers whose id ends in its digits.
    std::vector<DriftReport> parts;
    for (int i = 0; i < 3; ++i) {
      auto part = EvaluateDrift(store, kNow, base, cmp, 30, [i](std::string_view id) {
        return (id.back() - '0') % 3 == i || (id == "empty" && i == 0);
      });
      ASSERT_TRUE(part.ok());
      EXPECT_LT(part->customers, whole->customers);
      parts.push_back(std::move(*part));
    }
    auto merged = MergeDriftReports(parts, base, cmp);
    ASSERT_TRUE(merged.ok());
    EXPECT_EQ(merged->customers, whole->customers);
    EXPECT_EQ(merged->ari, whole->ari);  // the same table, the same figure, exactly
    if (cmp.centroids == &m3.centroids) EXPECT_LT(merged->ari, 1.0);  // a group split in two
    EXPECT_EQ(merged->baseline_sizes, whole->baseline_sizes);
    EXPECT_EQ(merged->comparison_sizes, whole->comparison_sizes);
    EXPECT_EQ(merged->active_sizes, whole->active_sizes);
    EXPECT_EQ(merged->psi, whole->psi);
    EXPECT_EQ(merged->centroid_shift, whole->centroid_shift);
    for (int a = 0; a < 2; ++a) {
      for (int b = 0; b < cmp.centroids->rows(); ++b) {
        EXPECT_EQ(merged->table.at(a, b), whole->table.at(a, b));
      }
    }
  }
  // Tables of another shape do not add up.
  std::vector<DriftReport> wrong(1);
  wrong[0].table = ContingencyTable(3, 3);
  EXPECT_FALSE(MergeDriftReports(wrong, base, base).ok());
}

}  // namespace
}  // namespace segd
