// `segd simulate` from its options to the three files it writes, and its exit codes.
#include "app/simulate_command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/temp_dir.h"

namespace segd {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(SimulateCommandTest, WritesCurveChartAndReport) {
  testing::TempDir dir;
  SimulateArgs args;
  args.generate = true;
  args.generator.customers = 3000;
  args.days.drift_start = "2018-03-01";
  args.step_days = 28;
  args.out_dir = dir.Sub("out");
  SegdConfig config;
  config.model.n_init = 2;
  config.model.silhouette_sample = 100;
  config.drift.threshold = 0.75;  // the report's levels come from the config
  ASSERT_EQ(RunSimulateCommand(config, args), 0);
  const std::string csv = Read(args.out_dir + "/simulate.csv");
  const std::string svg = Read(args.out_dir + "/simulate.svg");
  const std::string report = Read(args.out_dir + "/report.txt");
  // 2016-09-01 .. 2018-10-17: t0 2017-09-01, then 14 steps of 28 days to 2018-09-28.
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 15);
  EXPECT_EQ(csv.rfind("time,customers,ari_refit,ari_online,", 0), 0u);
  EXPECT_NE(csv.find("\n2018-09-28,"), std::string::npos);
  EXPECT_NE(svg.find("retrain threshold 0.75"), std::string::npos);
  EXPECT_NE(report.find("M0 fitted 2017-09-01"), std::string::npos) << report;
  EXPECT_NE(report.find("14 steps of 28 days"), std::string::npos) << report;
  EXPECT_NE(report.find("first ARI below 0.75 (retrain due)"), std::string::npos) << report;
  EXPECT_NE(report.find("recommended retraining interval:"), std::string::npos) << report;
}

// The last field of the CSV's last row: active customers at the last step.
uint64_t LastActiveCustomers(const std::string& csv) {
  const std::string last = csv.substr(csv.rfind('\n', csv.size() - 2) + 1);
  return std::stoull(last.substr(last.rfind(',') + 1));
}

// The detector is the daemon's: drift.detector and the drift section's options (here the
// active window), unless --detector names another method.
TEST(SimulateCommandTest, DetectorComesFromTheDriftSection) {
  testing::TempDir dir;
  SimulateArgs args;
  args.generate = true;
  args.generator.customers = 3000;
  args.step_days = 28;
  SegdConfig config;
  config.model.n_init = 2;
  config.model.silhouette_sample = 100;
  auto run = [&](const SegdConfig& c, const std::string& name) {
    args.out_dir = dir.Sub(name);
    EXPECT_EQ(RunSimulateCommand(c, args), 0);
    return std::make_pair(Read(args.out_dir + "/report.txt"), Read(args.out_dir + "/simulate.csv"));
  };
  const auto [default_report, default_csv] = run(config, "default");
  EXPECT_NE(default_report.find("drift detector (calibrated)"), std::string::npos)
      << default_report;
  SegdConfig psi = config;
  psi.drift.detector = "psi";
  psi.drift.active_days = 7;
  const auto [psi_report, psi_csv] = run(psi, "psi");
  EXPECT_NE(psi_report.find("drift detector (psi)"), std::string::npos) << psi_report;
  // A 7-day active window holds fewer customers than the default 28 days.
  EXPECT_LT(LastActiveCustomers(psi_csv), LastActiveCustomers(default_csv));
  EXPECT_GT(LastActiveCustomers(psi_csv), 0u);
  args.detector = "ari_threshold";
  const auto [rule_report, rule_csv] = run(psi, "rule");
  EXPECT_NE(rule_report.find("drift detector (ari_threshold)"), std::string::npos) << rule_report;
}

TEST(SimulateCommandTest, BadHistoryOrStartIsExitCode2) {
  testing::TempDir dir;
  SimulateArgs args;
  args.out_dir = dir.Sub("out");
  EXPECT_EQ(RunSimulateCommand({}, args), 2);  // no history
  args.jsonl = dir.Sub("missing.jsonl");
  EXPECT_EQ(RunSimulateCommand({}, args), 2);
  args.jsonl.clear();
  args.generate = true;
  args.generator.customers = 500;
  args.start = "2019-01-01";  // after the history
  EXPECT_EQ(RunSimulateCommand({}, args), 2);
  args.start = "2018-13-01";
  EXPECT_EQ(RunSimulateCommand({}, args), 2);
  EXPECT_FALSE(std::filesystem::exists(args.out_dir));
}

}  // namespace
}  // namespace segd
