// Decides, evaluation by evaluation, whether customers changed behaviour since the baseline, and
// says what changed. Methods:
// - `calibrated` (default): which baseline segments today's buyers (customers with an order in
//   the report's active window) fall in, compared with the same over the first evaluations after
//   the baseline; an alert when the PSI between the two exceeds what sampling noise of that many
//   customers explains (a chi-square bound) and a floor, for `consecutive` evaluations. Ageing
//   and growth of the population do not move it: only recent buyers count.
// - `ari_threshold`: the Olist study's rule, ARI below 0.8 for M consecutive evaluations, on the
//   online ARI or on the refit ARI.
// - `psi`: the PSI of segment shares, baseline labels against the live model's, alone.
// Expects evaluations at a fixed event-time interval (the monitor's 14 days).
// Value type, not synchronised: owned by the drift monitor; one per baseline.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "segd/common/status.h"
#include "segd/model/baseline_model.h"
#include "segd/model/drift_evaluator.h"
#include "segd/model/drift_explanation.h"
#include "segd/model/retrain_policy.h"

namespace segd {

enum class DetectorMethod : uint8_t { kCalibrated = 0, kAriThreshold, kPsi };
// "calibrated", "ari_threshold", "psi".
const char* DetectorMethodName(DetectorMethod method);
[[nodiscard]] StatusOr<DetectorMethod> ParseDetectorMethod(const std::string& name);

struct DetectorOptions {
  DetectorMethod method = DetectorMethod::kCalibrated;  // drift.detector
  // kCalibrated. The first `calibration_evaluations` after a baseline are the reference (and
  // never alert). Later evaluations are evidence of change when the PSI of the active customers'
  // segment shares against the reference reaches
  //   max(min_psi, chi2_{k-1}(noise_z) * (1 / active customers now + 1 / in the reference)),
  // the level that sampling noise alone exceeds with probability ~0.1% (noise_z 3.09).
  int calibration_evaluations = 4;  // drift.calibration_evaluations
  double min_psi = 0.02;            // drift.min_psi
  double noise_z = 3.09;            // drift.noise_z
  // Evidence in a row that raises the alert (and quiet evaluations in a row that clear it), for
  // kCalibrated and kPsi.
  int consecutive = 2;  // drift.detector_consecutive
  // The usual PSI levels: moderate and significant. kCalibrated: an alert is critical from
  // psi_critical. kPsi: evidence from psi_warning.
  double psi_warning = 0.1;    // drift.psi_warning
  double psi_critical = 0.25;  // drift.psi_critical
  // kAriThreshold: the study's rule (drift.threshold, .critical, .consecutive_evaluations,
  // .hysteresis) on the online ARI, or on the refit ARI when `ari_refit` (drift.method: refit);
  // evaluations without a refit leave its state as it is.
  RetrainPolicyOptions ari_rule;
  bool ari_refit = false;
  // Centroid moves smaller than this many standard deviations are left out of verdicts.
  double report_min_sd = 0.1;  // drift.report_min_sd
};

// One drift evaluation as the detector sees it.
struct DriftObservation {
  int64_t time_ms = 0;                   // event time of the evaluation
  const DriftReport* online = nullptr;   // baseline vs the live model; required
  const DriftReport* refit = nullptr;    // baseline vs a fresh fit, when this evaluation made one
  const RowMatrix* centroids = nullptr;  // the live model's, scaled in the baseline's space
};

struct DriftVerdict {
  bool alert = false;   // a behaviour change is flagged (stays up until cleared)
  bool raised = false;  // the alert rose at this observation
  DriftSeverity severity = DriftSeverity::kNone;
  bool calibrating = false;  // kCalibrated: still taking its reference; never alerts
  bool evidence = false;     // this observation alone looked like a change
  int streak = 0;            // observations with evidence in a row
  std::string reason;        // one line: why, and when alerting, what changed
  // The figures behind it. `statistic` is the value the method compares with `limit`: the
  // active customers' PSI (kCalibrated), the online PSI (kPsi) or the ARI (kAriThreshold; NaN
  // when the refit rule had no refit).
  double statistic = 0, limit = 0;
  double ari = 1, psi = 0;        // online ARI and PSI of the observation
  uint64_t active_customers = 0;  // in the report's active window
  // kCalibrated: active customers' shares, reference -> now; otherwise the population's shares
  // under baseline -> live labels. Biggest change first.
  std::vector<SegmentChange> segments;
  std::vector<FeatureMove> moves;  // live centroids against the baseline's, biggest first
};

class DriftDetector {
 public:
  // Keeps a copy of `baseline` (for names, scaler and centroids).
  DriftDetector(DetectorOptions options, const BaselineModel& baseline);

  // Feeds the next evaluation (event times increasing). `o.online` must be set.
  DriftVerdict Observe(const DriftObservation& o);

  // The state between observations (reference, streaks, alert), to keep with the drift history;
  // Restore(Encode()) on a detector made with the same options and baseline continues exactly.
  std::string Encode() const;
  [[nodiscard]] Status Restore(std::string_view bytes);

  const DetectorOptions& options() const { return options_; }
  bool alert() const { return alert_; }

 private:
  DriftVerdict Calibrated(const DriftObservation& o);
  DriftVerdict AriThreshold(const DriftObservation& o);
  DriftVerdict Psi(const DriftObservation& o);
  void Explain(const DriftObservation& o, DriftVerdict* v) const;
  // Updates the streaks and the alert from v->evidence (`quiet`: this observation counts
  // towards clearing) and fills alert, raised and streak.
  void Track(bool quiet, int consecutive, DriftVerdict* v);

  DetectorOptions options_;
  BaselineModel baseline_;
  // State (Encode/Restore).
  int64_t observations_ = 0;
  std::vector<uint64_t> reference_;  // active customers per segment over the calibration
  int streak_ = 0, quiet_ = 0;
  bool alert_ = false;
};

// The chi-square quantile with `dof` degrees of freedom at the one-sided normal quantile `z`
// (Wilson-Hilferty), e.g. ChiSquareBound(3, 3.09) ~ 16.3 (the 99.9% point).
double ChiSquareBound(int dof, double z);

}  // namespace segd
