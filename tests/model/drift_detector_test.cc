#include "segd/model/drift_detector.h"

#include <gtest/gtest.h>

#include <cmath>

namespace segd {
namespace {

// Two segments over recency, log1p(frequency), log1p(monetary): means and sds of the transformed
// features, unit weights.
BaselineModel Baseline() {
  BaselineModel b;
  b.version = 1;
  b.spec = FeatureSpec::Default();
  Eigen::VectorXd mean(3), sd(3), weight(3);
  mean << 200, 0.7, 4.6;
  sd << 150, 0.2, 1.0;
  weight << 1, 1, 1;
  b.scaler = Scaler(mean, sd, weight);
  b.centroids.resize(2, 3);
  b.centroids << -0.8, -0.2, 0.4,  // recent, higher spend
      1.0, -0.2, -0.5;             // lapsed, lower spend
  b.names = {"recent, high spend", "lapsed, low spend"};
  return b;
}

// One evaluation: the population's shares under baseline and live labels, the active customers'
// baseline labels, and the live centroids (the baseline's, segment 0's monetary moved).
struct Evaluation {
  DriftReport report;
  RowMatrix centroids;
};

Evaluation Make(double ari, std::vector<uint64_t> active, double monetary_move_sd = 0,
                std::vector<uint64_t> live = {5000, 5000}) {
  Evaluation e;
  DriftReport& r = e.report;
  r.ari = ari;
  r.baseline_sizes = {5000, 5000};
  r.comparison_sizes = std::move(live);
  r.customers = 10000;
  r.psi = PopulationStabilityIndex(SharesOf(r.baseline_sizes), SharesOf(r.comparison_sizes));
  r.active_days = 28;
  r.active_sizes = std::move(active);
  e.centroids = Baseline().centroids;
  e.centroids(0, 2) += monetary_move_sd;
  return e;
}

std::vector<DriftVerdict> Feed(DriftDetector& d, const std::vector<Evaluation>& es) {
  std::vector<DriftVerdict> out;
  for (size_t i = 0; i < es.size(); ++i) {
    out.push_back(d.Observe({.time_ms = int64_t(i) * 14 * 86'400'000,
                             .online = &es[i].report,
                             .centroids = &es[i].centroids}));
  }
  return out;
}

// Two years of 14-day evaluations without a change: about 1,000 active customers, 30% in
// segment 0 up to sampling noise (+-2 sd of a binomial), the online ARI wandering 0.9..0.99.
std::vector<Evaluation> Stationary(int n) {
  std::vector<Evaluation> es;
  for (int i = 0; i < n; ++i) {
    const double wobble = std::sin(i * 2.0);
    const uint64_t in0 = uint64_t(300 + 29 * wobble);
    es.push_back(Make(0.945 + 0.045 * wobble, {in0, 1000 - in0}, 0.05 * wobble));
  }
  return es;
}

TEST(DriftDetectorTest, CalibratedStaysQuietOnAStationarySeries) {
  DriftDetector d({}, Baseline());
  const auto v = Feed(d, Stationary(52));
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(v[i].calibrating, i < 4) << i;
    EXPECT_FALSE(v[i].evidence) << i << ": " << v[i].reason;
    EXPECT_FALSE(v[i].alert) << i;
  }
  // The limit is the higher of the sampling noise of 1,000 customers against the reference's
  // 4,000 (chi2_1 at 99.9%, ~11.2, times 1.25e-3: 0.014) and the 0.02 floor.
  EXPECT_DOUBLE_EQ(v[10].limit, 0.02);
}

TEST(DriftDetectorTest, CalibratedFlagsAShiftOfTodaysBuyersAndSaysWhatChanged) {
  auto es = Stationary(6);
  // From the 7th evaluation, 45% of active customers fall in segment 0 and its monetary centroid
  // has moved down 0.7 sd: PSI ~0.09, far above noise.
  for (int i = 0; i < 3; ++i) es.push_back(Make(0.95, {450, 550}, -0.7));
  DriftDetector d({}, Baseline());
  const auto v = Feed(d, es);
  EXPECT_FALSE(v[5].alert);
  EXPECT_TRUE(v[6].evidence);
  EXPECT_FALSE(v[6].alert);  // one evaluation is evidence, not yet an alert
  ASSERT_TRUE(v[7].alert) << v[7].reason;
  EXPECT_TRUE(v[7].raised);
  EXPECT_TRUE(v[8].alert);
  EXPECT_FALSE(v[8].raised);  // raised once, stays up
  EXPECT_EQ(v[7].severity, DriftSeverity::kWarning);
  EXPECT_GT(v[7].statistic, 0.05);
  // What changed: among active customers, segment 0 grew from its reference share.
  ASSERT_EQ(v[7].segments.size(), 2u);
  EXPECT_EQ(v[7].segments[0].name, "recent, high spend");
  EXPECT_NEAR(v[7].segments[0].share_before, 0.3, 0.01);
  EXPECT_DOUBLE_EQ(v[7].segments[0].share_after, 0.45);
  EXPECT_TRUE(v[7].segments[0].grew());
  EXPECT_FALSE(v[7].segments[1].grew());
  ASSERT_FALSE(v[7].moves.empty());
  const FeatureMove& m = v[7].moves[0];
  EXPECT_EQ(m.segment, 0);
  EXPECT_EQ(m.feature, "monetary_total");
  EXPECT_NEAR(m.sd, -0.7, 1e-9);
  // In original units: log1p(monetary) 4.6 + 0.4 * 1.0 = 5.0 -> 4.3, i.e. 147.41 -> 72.70.
  EXPECT_NEAR(m.from, std::expm1(5.0), 1e-6);
  EXPECT_NEAR(m.to, std::expm1(4.3), 1e-6);
  EXPECT_NE(v[7].reason.find("among active customers segment 0 'recent, high spend' grew"),
            std::string::npos)
      << v[7].reason;
  EXPECT_NE(v[7].reason.find("-> 45.0%"), std::string::npos) << v[7].reason;
  EXPECT_NE(v[7].reason.find("segment 0 monetary_total 147.41 -> 72.70 (-0.70 sd)"),
            std::string::npos)
      << v[7].reason;
  // The study's rule stays silent: the online ARI never went below 0.8.
  DriftDetector rule({.method = DetectorMethod::kAriThreshold}, Baseline());
  for (const DriftVerdict& r : Feed(rule, es)) EXPECT_FALSE(r.alert);
}

TEST(DriftDetectorTest, AStrongShiftIsCriticalAndClearsOnceBuyersAreBack) {
  auto es = Stationary(5);
  for (int i = 0; i < 2; ++i) es.push_back(Make(0.9, {800, 200}));  // PSI ~0.9
  for (int i = 0; i < 2; ++i) es.push_back(Make(0.95, {300, 700}));
  DriftDetector d({}, Baseline());
  const auto v = Feed(d, es);
  EXPECT_TRUE(v[6].alert);
  EXPECT_EQ(v[6].severity, DriftSeverity::kCritical);
  EXPECT_TRUE(v[7].alert);  // one quiet evaluation does not clear it
  EXPECT_FALSE(v[8].alert);
}

TEST(DriftDetectorTest, FewActiveCustomersRaiseTheLimit) {
  auto es = Stationary(4);
  es.push_back(Make(0.95, {45, 55}));  // 100 customers: 45% is within noise of 30%
  DriftDetector d({}, Baseline());
  const auto v = Feed(d, es);
  EXPECT_GT(v[4].limit, 0.1);
  EXPECT_FALSE(v[4].evidence) << v[4].reason;
}

TEST(DriftDetectorTest, PsiAloneUsesTheLiveModelsShares) {
  auto es = Stationary(4);
  for (int i = 0; i < 2; ++i) es.push_back(Make(0.95, {300, 700}, 0, {8000, 2000}));  // PSI 0.42
  DriftDetector d({.method = DetectorMethod::kPsi}, Baseline());
  const auto v = Feed(d, es);
  EXPECT_FALSE(v[3].alert);
  EXPECT_TRUE(v[5].alert);
  EXPECT_EQ(v[5].severity, DriftSeverity::kCritical);
  EXPECT_GT(v[5].statistic, 0.25);
}

TEST(DriftDetectorTest, AriThresholdIsTheStudysRuleOnlineOrRefit) {
  const BaselineModel b = Baseline();
  const DriftReport low = Make(0.7, {300, 700}).report;
  const DriftReport high = Make(0.97, {300, 700}).report;
  DriftDetector online({.method = DetectorMethod::kAriThreshold}, b);
  DetectorOptions refit_options{.method = DetectorMethod::kAriThreshold};
  refit_options.ari_refit = true;
  DriftDetector refit(refit_options, b);
  std::vector<bool> online_alerts, refit_alerts;
  for (int i = 0; i < 4; ++i) {
    online_alerts.push_back(online.Observe({.online = &low}).alert);
    // The refit is low every time it is computed, but only every other evaluation has one.
    refit_alerts.push_back(
        refit.Observe({.online = &high, .refit = i % 2 == 0 ? &low : nullptr}).alert);
  }
  EXPECT_EQ(online_alerts, (std::vector<bool>{false, false, true, true}));
  EXPECT_EQ(refit_alerts, (std::vector<bool>{false, false, false, false}));
  const DriftVerdict third = refit.Observe({.online = &high, .refit = &low});
  EXPECT_TRUE(third.alert);
  EXPECT_EQ(third.severity, DriftSeverity::kWarning);  // 0.7 is above the 0.6 critical level
}

TEST(DriftDetectorTest, RestoredStateContinuesExactly) {
  auto es = Stationary(6);
  for (int i = 0; i < 4; ++i) es.push_back(Make(0.9, {420, 580}, -0.3));
  DriftDetector a({}, Baseline());
  const auto head = std::vector<Evaluation>(es.begin(), es.begin() + 7);
  Feed(a, head);  // calibrated, one evidence so far
  DriftDetector b({}, Baseline());
  ASSERT_TRUE(b.Restore(a.Encode()).ok());
  EXPECT_EQ(b.Encode(), a.Encode());
  for (size_t i = 7; i < es.size(); ++i) {
    const DriftObservation o{.online = &es[i].report, .centroids = &es[i].centroids};
    const DriftVerdict va = a.Observe(o), vb = b.Observe(o);
    EXPECT_EQ(va.alert, vb.alert) << i;
    EXPECT_EQ(va.raised, vb.raised) << i;
    EXPECT_EQ(va.reason, vb.reason) << i;
    EXPECT_DOUBLE_EQ(va.limit, vb.limit) << i;
  }
  EXPECT_TRUE(b.alert());
  EXPECT_FALSE(b.Restore("garbage").ok());
}

TEST(DriftDetectorTest, MethodsParseAndName) {
  for (const char* name : {"calibrated", "ari_threshold", "psi"}) {
    auto m = ParseDetectorMethod(name);
    ASSERT_TRUE(m.ok()) << name;
    EXPECT_STREQ(DetectorMethodName(*m), name);
  }
  EXPECT_FALSE(ParseDetectorMethod("ari").ok());
  // The 99.9% point of chi2_3 is 16.27; Wilson-Hilferty is within 2%.
  EXPECT_NEAR(ChiSquareBound(3, 3.09), 16.27, 0.3);
}

}  // namespace
}  // namespace segd
