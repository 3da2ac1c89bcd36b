// When to recommend a retrain: ARI below the threshold for M consecutive evaluations raises the
// recommendation; ARI at or above threshold + hysteresis for M consecutive evaluations clears it.
// A small state machine; value type, owned by the drift evaluator.
#pragma once

#include <cstdint>

namespace segd {

struct RetrainPolicyOptions {
  double threshold = 0.8;    // drift.threshold (the Olist study's retrain point)
  double critical = 0.6;     // drift.critical
  int consecutive = 3;       // drift.consecutive_evaluations
  double hysteresis = 0.05;  // drift.hysteresis
};

enum class DriftSeverity : uint8_t { kNone = 0, kWarning, kCritical };
// "none", "warning", "critical".
inline const char* DriftSeverityName(DriftSeverity s) {
  constexpr const char* kNames[] = {"none", "warning", "critical"};
  return kNames[static_cast<int>(s)];
}

// Everything the policy remembers, as the drift history records it.
struct RetrainPolicyState {
  bool recommended = false;
  DriftSeverity severity = DriftSeverity::kNone;
  int below = 0, above = 0;
};

class RetrainPolicy {
 public:
  explicit RetrainPolicy(RetrainPolicyOptions options = {}) : options_(options) {}

  // Feeds one evaluation's ARI; returns whether a retrain is recommended afterwards.
  bool Observe(double ari);
  // Forgets the history (after a new baseline was made).
  void Reset();

  bool recommended() const { return recommended_; }
  // Severity of the last observation while recommended (kNone otherwise).
  DriftSeverity severity() const { return recommended_ ? severity_ : DriftSeverity::kNone; }
  int below_streak() const { return below_; }

  RetrainPolicyState state() const { return {recommended_, severity_, below_, above_}; }

 private:
  RetrainPolicyOptions options_;
  bool recommended_ = false;
  DriftSeverity severity_ = DriftSeverity::kNone;
  int below_ = 0;  // consecutive evaluations under threshold
  int above_ = 0;  // consecutive evaluations at or over threshold + hysteresis
};

}  // namespace segd
