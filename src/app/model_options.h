// Turns the model, ingest and drift sections of the configuration into the options of the domain
// code that decodes events, fits and feeds models and judges drift. Shared by `segd run`, `segd
// train` and `segd simulate`, so all decode, fit and detect the same way.
#pragma once

#include "segd/config/segd_config.h"
#include "segd/event/event_time.h"
#include "segd/ingest/ingest_pipeline.h"
#include "segd/model/baseline_trainer.h"
#include "segd/model/drift_detector.h"

namespace segd {

inline DecoderOptions ToDecoderOptions(const IngestConfig& c) {
  DecoderOptions d;
  d.max_event_bytes = static_cast<size_t>(c.max_event_bytes);
  d.max_future_skew_ms = c.max_future_skew_seconds * 1000;
  d.min_event_time_ms = *ParseRfc3339Ms(c.min_event_time);  // validated by the loader
  return d;
}

inline FoldPolicy ToFoldPolicy(const IngestConfig& c) {
  return {.horizon_ms = int64_t{c.fold_horizon_days} * 86'400'000,
          .max_orders = static_cast<size_t>(c.max_orders_per_customer)};
}

inline TrainOptions ToTrainOptions(const ModelConfig& m) {
  return {.k = m.k,
          .auto_k = m.auto_k,
          .k_min = m.k_min,
          .k_max = m.k_max,
          .n_init = m.n_init,
          .seed = static_cast<uint64_t>(m.seed),
          .silhouette_sample = m.silhouette_sample,
          .min_customers = 10,
          .segment_names = m.segment_names};
}

inline ModelLifecycleOptions ToLifecycleOptions(const ModelConfig& m) {
  ModelLifecycleOptions o;
  o.live.batch_events = m.live_batch_events;
  o.live.minibatch.half_life_days = m.half_life_days;
  o.live.minibatch.dead_after_updates = m.dead_after_updates;
  o.spec = m.features;
  o.train = ToTrainOptions(m);
  o.bootstrap_min_customers = static_cast<uint64_t>(m.bootstrap_min_customers);
  o.keep_versions = m.keep_versions;
  return o;
}

// The drift detector of event-time evaluations (drift.detector and its options; drift.method
// refit makes the study's rule look at the refit ARI). Requires a config the loader validated.
inline DetectorOptions ToDetectorOptions(const DriftConfig& c) {
  return {.method = *ParseDetectorMethod(c.detector),
          .calibration_evaluations = c.calibration_evaluations,
          .min_psi = c.min_psi,
          .noise_z = c.noise_z,
          .consecutive = c.detector_consecutive,
          .psi_warning = c.psi_warning,
          .psi_critical = c.psi_critical,
          .ari_rule = {.threshold = c.threshold,
                       .critical = c.critical,
                       .consecutive = c.consecutive_evaluations,
                       .hysteresis = c.hysteresis},
          .ari_refit = c.method == "refit",
          .report_min_sd = c.report_min_sd};
}

}  // namespace segd
