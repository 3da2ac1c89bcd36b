// `segd simulate`: the Olist maintenance study as a command. M0 (scaler and k-means) is fitted on
// the population C0 at a start date t0; then at every step ti, with Ci the population at ti and
// features at ti, M0's labels on Ci (with M0's own scaler) are compared (ARI) with those of Mi:
// a fresh fit on Ci (`refit`) and segd's live mini-batch model after the events up to ti
// (`online`). The live model comes from the daemon's own IngestPipeline fed the history in
// event-time order, so the online curve is what a running segd reports at those times. Later
// start dates (each a step apart) give the spread of the retraining interval. No I/O; call from
// one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "app/simulate_history.h"
#include "segd/common/status.h"
#include "segd/event/event_decoder.h"
#include "segd/ingest/ingest_pipeline.h"
#include "segd/model/drift_detector.h"
#include "segd/state/event_applier.h"

namespace segd {

struct SimulateOptions {
  // Features, k-means (M0 and every Mi; train.silhouette_sample also sizes the silhouettes'
  // sample), live model options.
  ModelLifecycleOptions model;
  DecoderOptions decoder;          // as the daemon's ingest section
  FoldPolicy fold;                 // likewise
  size_t batch_max_events = 5000;  // ingest.batch_max_events: pipeline micro-batch size
  int64_t start_ms = 0;            // t0; 0: a year after the first event (at most mid-history)
  double step_days = 14;
  double threshold = 0.8, critical = 0.6;  // drift.threshold, drift.critical
  int consecutive = 3;                     // drift.consecutive_evaluations (the study's rule)
  // The detector whose flag the study reports beside the study's own rules (ARI below
  // `threshold` for `consecutive` steps, online and refit) and PSI alone.
  DetectorOptions detector;
  double active_days = kDefaultActiveDays;  // drift.active_days: the detector's active window
  // Start dates for the interval recommendation, t0 and each following step; 0: every step over
  // the first half of the steps.
  int starts = 0;
  std::function<void(size_t done, size_t total)> progress;  // after each step
};

struct SimulateStep {
  int64_t time_ms = 0;     // ti
  uint64_t customers = 0;  // |Ci|
  double ari_refit = 1, ari_online = 1;
  std::vector<double> share_m0, share_refit, share_online;  // per segment id, sum 1
  // Sampled silhouette on Ci of each model's own labels, in its own scaled space (the online
  // model lives in M0's).
  double silhouette_m0 = 0, silhouette_refit = 0, silhouette_online = 0;
  // Drift detectors fed every step, as the daemon's monitor would be: the configured detector
  // and, for comparison, the study's rule on the online and on the refit ARI, and PSI alone.
  DriftVerdict detector;
  bool alert_ari_online = false, alert_ari_refit = false, alert_psi = false;
};

// When each detector first raised its alert, and how many times it rose, from t0.
struct DetectorAlerts {
  std::optional<int64_t> detector_ms, ari_online_ms, ari_refit_ms, psi_ms;
  int detector_raised = 0, ari_online_raised = 0, ari_refit_raised = 0, psi_raised = 0;
  std::string detector_reason;  // the configured detector's reason when it first rose
};

// The refit curve from one start date: a model fitted at `start_ms` against Mi at later steps.
struct StartCurve {
  int64_t start_ms = 0;
  size_t first_step = 0;    // index in SimulateResult::steps of the first step after the start
  std::vector<double> ari;  // at steps[first_step], steps[first_step + 1], ...
  // Days from the start to the last step before ARI first fell below the threshold (0: it fell
  // at the first step), or to the last step when it never fell (`censored`).
  double days_above = 0;
  bool censored = false;
};

// The retraining interval over all start dates: how long the refit ARI stayed above the
// threshold. A censored start only gives a lower bound.
struct RetrainInterval {
  int starts = 0, censored = 0;
  double median_days = 0, min_days = 0, max_days = 0;
  bool median_is_lower_bound = false;  // more than half the starts are censored
};

struct SimulateResult {
  int64_t start_ms = 0;  // t0
  uint64_t c0_customers = 0;
  int k = 0;
  double step_days = 0;
  std::vector<SimulateStep> steps;
  // First step below the threshold and below the critical level, per curve (from t0).
  std::optional<int64_t> refit_below_threshold_ms, refit_below_critical_ms;
  std::optional<int64_t> online_below_threshold_ms, online_below_critical_ms;
  std::string detector_method;  // DetectorMethodName of the configured detector
  DetectorAlerts alerts;
  std::vector<StartCurve> starts;  // starts[0] is t0 (its ARI is the refit curve)
  RetrainInterval interval;
  uint64_t events = 0, rejected = 0;  // rejected: dead-lettered by the pipeline
};

// Runs the protocol over `events` (in event-time order). Fails if t0 is not inside the history
// or too few customers exist at t0 to fit M0.
[[nodiscard]] StatusOr<SimulateResult> Simulate(const std::vector<TimedEvent>& events,
                                                const SimulateOptions& options);

}  // namespace segd
