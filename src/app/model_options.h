// Turns the model and ingest sections of the configuration into the options of the domain code
// that decodes events, fits and feeds models. Shared by `segd run`, `segd train` and `segd
// simulate`, so all decode and fit the same way.
#pragma once

#include "segd/config/segd_config.h"
#include "segd/event/event_time.h"
#include "segd/ingest/ingest_pipeline.h"
#include "segd/model/baseline_trainer.h"

namespace segd {

inline DecoderOptions ToDecoderOptions(const IngestConfig& c) {
  DecoderOptions d;
  d.max_event_bytes = static_cast<size_t>(c.max_event_bytes);
  d.max_future_skew_ms = c.max_future_skew_seconds * 1000;
  d.min_event_time_ms = *ParseRfc3339Ms(c.min_event_time);  // validated by the loader
  return d;
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

}  // namespace segd
