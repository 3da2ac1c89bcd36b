// What `segd simulate` writes, from a hand-made result: the CSV, the text report and the chart.
#include "app/simulate_report.h"

#include <gtest/gtest.h>

#include "app/simulate_chart.h"
#include "segd/event/event_time.h"

namespace segd {
namespace {

const int64_t kT0 = ParseRfc3339Ms("2018-01-01T00:00:00Z").value();
constexpr int64_t kStep = 14 * kMillisPerDay;

// Four steps with k = 2; the refit ARI falls below 0.8 at the third step, below 0.6 at the
// fourth; the online one never. A second start date from the first step stays above.
SimulateResult Result() {
  SimulateResult r;
  r.start_ms = kT0;
  r.c0_customers = 1000;
  r.k = 2;
  r.step_days = 14;
  r.events = 5000;
  r.rejected = 3;
  const double refit[] = {0.95, 0.85, 0.7, 0.5};
  for (int i = 0; i < 4; ++i) {
    SimulateStep& s = r.steps.emplace_back();
    s.time_ms = kT0 + (i + 1) * kStep;
    s.customers = 1000 + 100 * uint64_t(i + 1);
    s.ari_refit = refit[i];
    s.ari_online = 0.9;
    s.share_m0 = {0.25, 0.75};
    s.share_refit = {0.5, 0.5};
    s.share_online = {0.3, 0.7};
    s.silhouette_m0 = 0.4;
    s.silhouette_refit = 0.5;
    s.silhouette_online = 0.45;
    s.detector.alert = i >= 1;  // the detector rose at the second step, the refit rule at the 4th
    s.detector.psi = 0.01;
    s.detector.statistic = 0.05 * i;
    s.detector.limit = 0.02;
    s.detector.active_customers = 300;
    s.alert_ari_refit = i == 3;
  }
  r.detector_method = "calibrated";
  r.alerts = {.detector_ms = kT0 + 2 * kStep,
              .ari_refit_ms = kT0 + 4 * kStep,
              .detector_raised = 1,
              .ari_refit_raised = 1,
              .detector_reason = "active customers' segment PSI 0.050 above limit 0.020"};
  r.refit_below_threshold_ms = kT0 + 3 * kStep;
  r.refit_below_critical_ms = kT0 + 4 * kStep;
  r.starts = {{.start_ms = kT0, .first_step = 0, .ari = {0.95, 0.85, 0.7, 0.5}, .days_above = 28},
              {.start_ms = kT0 + kStep,
               .first_step = 1,
               .ari = {0.9, 0.9, 0.9},
               .days_above = 42,
               .censored = true}};
  r.interval = {.starts = 2,
                .censored = 1,
                .median_days = 35,
                .min_days = 28,
                .max_days = 42,
                .median_is_lower_bound = false};
  return r;
}

TEST(SimulateReportTest, CsvHasOneRowPerStepAndEveryShare) {
  const std::string csv = SimulateCsv(Result());
  const std::string header =
      "time,customers,ari_refit,ari_online,silhouette_m0,silhouette_refit,silhouette_online,"
      "share_m0_0,share_m0_1,share_refit_0,share_refit_1,share_online_0,share_online_1,"
      "detector_alert,ari_online_alert,ari_refit_alert,psi_alert,psi_online,detector_statistic,"
      "detector_limit,active_customers\n";
  ASSERT_EQ(csv.substr(0, header.size()), header);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);
  EXPECT_NE(csv.find("\n2018-01-29,1200,0.850000,0.900000,0.400000,0.500000,0.450000,0.250000,"
                     "0.750000,0.500000,0.500000,0.300000,0.700000,1,0,0,0,0.010000,0.050000,"
                     "0.020000,300\n"),
            std::string::npos)
      << csv;
}

TEST(SimulateReportTest, ReportNamesTheCrossingsAndTheInterval) {
  const std::string report = SimulateReport(Result(), 0.8, 0.6);
  EXPECT_NE(report.find("5000 events (3 dead-lettered); M0 fitted 2018-01-01 on 1000 customers, "
                        "k=2; 4 steps of 14 days\n"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("first ARI below 0.80 (retrain due): refit 2018-02-12 (42 days after "
                        "t0), online never\n"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("first ARI below 0.60 (critical):    refit 2018-02-26 (56 days after "
                        "t0), online never\n"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("recommended retraining interval: every 35 days (how long refit ARI "
                        "stayed >= 0.80: median over 2 start dates 2018-01-01 .. 2018-01-15; "
                        "min 28, max 42 days; 1 of them never fell below it)\n"),
            std::string::npos)
      << report;
}

TEST(SimulateReportTest, ReportSaysWhenEachDetectorFirstAlerted) {
  const std::string report = SimulateReport(Result(), 0.8, 0.6);
  EXPECT_NE(report.find("drift detector (calibrated): first alert 2018-01-29 (28 days after t0), "
                        "raised 1 time\n  active customers' segment PSI 0.050 above limit "
                        "0.020\n"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("study rule (ARI < 0.80, consecutive): online never; refit 2018-02-26 "
                        "(56 days after t0), raised 1 time\nPSI alone: never\n"),
            std::string::npos)
      << report;
}

TEST(SimulateReportTest, ReportSaysWhenNoRetrainIsNeededOrAStepIsTooLong) {
  SimulateResult r = Result();
  r.interval = {.starts = 2, .censored = 2, .median_days = 49, .min_days = 42, .max_days = 56};
  EXPECT_NE(SimulateReport(r, 0.8, 0.6)
                .find("recommended retraining interval: none within the history (refit ARI "
                      "stayed >= 0.80 from each of the 2 start dates 2018-01-01 .. 2018-01-15, "
                      "for at least 42 days)"),
            std::string::npos);
  r.interval = {.starts = 2, .censored = 0, .median_days = 0, .min_days = 0, .max_days = 0};
  EXPECT_NE(SimulateReport(r, 0.8, 0.6).find("less than one step (14 days)"), std::string::npos);
  r.interval = {.starts = 2, .censored = 1, .median_days = 35, .median_is_lower_bound = true};
  EXPECT_NE(SimulateReport(r, 0.8, 0.6).find("every at least 35 days"), std::string::npos);
}

TEST(SimulateChartTest, DrawsCurvesLevelsRetrainPointsAndSchedule) {
  const std::string svg = SimulateSvg(Result(), 0.8, 0.6);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  auto count = [&](const std::string& s) {
    size_t n = 0;
    for (size_t at = svg.find(s); at != std::string::npos; at = svg.find(s, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<polyline"), 3u);  // refit, online, the later start date
  EXPECT_EQ(count("retrain threshold 0.80"), 1u);
  EXPECT_EQ(count(">critical 0.60<"), 1u);
  EXPECT_EQ(count("<title>retrain due 2018-02-12 (ARI 0.700)</title>"), 1u);
  // Every 35 days from t0 within the 56 days shown: one tick.
  EXPECT_EQ(count("<title>retrain 2018-02-05 (every 35 days)</title>"), 1u);
  EXPECT_EQ(count("(every 35 days)</title>"), 1u);
  // The detector's alert was up at steps 2-4: one strip each, and a legend entry.
  EXPECT_EQ(count("<title>drift alert (calibrated) "), 3u);
  EXPECT_EQ(count("<title>drift alert (calibrated) 2018-01-29</title>"), 1u);
  EXPECT_EQ(count(">drift alert (calibrated)</text>"), 1u);
}

}  // namespace
}  // namespace segd
