#include "segd/model/retrain_policy.h"

namespace segd {

bool RetrainPolicy::Observe(double ari) {
  below_ = ari < options_.threshold ? below_ + 1 : 0;
  above_ = ari >= options_.threshold + options_.hysteresis ? above_ + 1 : 0;
  if (!recommended_ && below_ >= options_.consecutive) recommended_ = true;
  if (recommended_ && above_ >= options_.consecutive) recommended_ = false;
  severity_ = ari < options_.critical    ? DriftSeverity::kCritical
              : ari < options_.threshold ? DriftSeverity::kWarning
                                         : DriftSeverity::kNone;
  return recommended_;
}

void RetrainPolicy::Reset() {
  recommended_ = false;
  severity_ = DriftSeverity::kNone;
  below_ = above_ = 0;
}

}  // namespace segd
