// The latest drift evaluation, as published for metrics and the API. Value type; copy it out
// of whoever guards it.
#pragma once

#include <cstdint>
#include <string>

#include "segd/model/drift_evaluator.h"
#include "segd/model/retrain_policy.h"

namespace segd {

struct DriftStatus {
  bool evaluated = false;  // false until the first evaluation finished
  DriftReport online;      // baseline vs live model
  bool refit_evaluated = false;
  DriftReport refit;  // baseline vs a fresh fit on the current population
  bool retrain_recommended = false;
  DriftSeverity severity = DriftSeverity::kNone;
  uint64_t baseline_version = 0;  // 0: no baseline
  uint64_t live_updates = 0;
  int64_t evaluated_unix_ms = 0;
  int64_t as_of_ms = 0;  // the event time the evaluation describes (boundary or watermark)
  // What drove retrain_recommended: the detector's name, its figure against its limit, and its
  // one-line reason (what changed, when alerting).
  std::string detector = "ari_threshold";
  double statistic = 0, limit = 0;
  std::string reason;
};

}  // namespace segd
