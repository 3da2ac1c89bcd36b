// What the members of a group send each other: feature rows, published baselines and drift
// reports survive their wire forms exactly, and broken ones are refused.
#include "app/group_models.h"

#include <gtest/gtest.h>

#include <cmath>

namespace segd {
namespace {

TEST(GroupWireTest, FeatureRowsRoundTripBitForBitAndTruncationIsRefused) {
  FeatureRows rows;
  rows.d = 2;
  rows.ids = {"a", "", "customer-\xff"};
  rows.values = {0.1, -2.5e300, 3, 4, 5, 6.000000000000001};
  rows.raw = {1, 2, 3, 4, 5, 6};
  const std::string bytes = EncodeFeatureRows(rows);
  auto back = DecodeFeatureRows(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->d, 2u);
  EXPECT_EQ(back->ids, rows.ids);
  EXPECT_EQ(back->values, rows.values);
  EXPECT_EQ(back->raw, rows.raw);
  EXPECT_FALSE(DecodeFeatureRows(bytes.substr(0, bytes.size() - 1)).ok());
  EXPECT_FALSE(DecodeFeatureRows("segd-rows 2\n").ok());
  EXPECT_TRUE(DecodeFeatureRows(EncodeFeatureRows(FeatureRows{})).ok());
}

TEST(GroupWireTest, APublishedBaselineIsTheSameModel) {
  BaselineModel m;
  m.version = 7;
  m.spec = FeatureSpec::Default();
  m.scaler = Scaler(Eigen::VectorXd::Constant(3, 0.5), Eigen::VectorXd::Constant(3, 2.0),
                    Eigen::VectorXd::Ones(3));
  m.centroids = RowMatrix::Random(4, 3);
  m.names = {"a", "b", "c", "d"};
  m.sizes = {1, 2, 3, 4};
  m.centroids_original.assign(4, std::vector<double>(3, 1.0));
  const std::string message = EncodeBaselineMessage(m);
  EXPECT_TRUE(message.starts_with(std::string(kBaselineMessageKind) + "\n"));
  auto back = DecodeBaselineMessage(message);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->Encode(), m.Encode());
  EXPECT_FALSE(DecodeBaselineMessage("segd-baseline 1\nversion=7\nmodel=zz\n").ok());
  EXPECT_FALSE(DecodeBaselineMessage("segd-member 1\n").ok());
}

TEST(GroupWireTest, ADriftReportSurvivesJson) {
  DriftReport r;
  r.table = ContingencyTable(2, 3);
  r.table.Add(0, 2, 5000000000ull);
  r.table.Add(1, 0);
  r.ari = 0.123456789012345678;
  r.customers = 5000000001ull;
  r.baseline_sizes = {5000000000ull, 1};
  r.comparison_sizes = {1, 0, 5000000000ull};
  r.psi = 1.5e-7;
  r.seconds = 0.25;
  r.active_days = 28;
  r.active_sizes = {3, 4};
  auto back = ParseDriftReport(nlohmann::json::parse(DriftReportJson(r).dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->ari, r.ari);
  EXPECT_EQ(back->table.at(0, 2), 5000000000ull);
  EXPECT_EQ(back->table.at(1, 0), 1u);
  EXPECT_EQ(back->customers, r.customers);
  EXPECT_EQ(back->comparison_sizes, r.comparison_sizes);
  EXPECT_EQ(back->psi, r.psi);
  EXPECT_EQ(back->active_sizes, r.active_sizes);
  EXPECT_FALSE(ParseDriftReport(nlohmann::json::parse(R"({"table": [[1]]})")).ok());
  // JSON has no NaN (written as null): it comes back as NaN.
  r.centroid_shift = {std::nan("")};
  r.ari = std::nan("");
  back = ParseDriftReport(nlohmann::json::parse(DriftReportJson(r).dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(std::isnan(back->ari));
  EXPECT_TRUE(std::isnan(back->centroid_shift[0]));
}

}  // namespace
}  // namespace segd
