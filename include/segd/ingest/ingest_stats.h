// Counters of the ingest pipeline since process start. Written by the consumer thread, readable
// from any thread (relaxed atomics: each value is exact, a set of values is not a snapshot).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "segd/event/rejection.h"
#include "segd/state/event_applier.h"

namespace segd {

// Why a baseline was fitted.
enum class RetrainTrigger : uint8_t {
  kBootstrap = 0,  // model.bootstrap_min_customers reached
  kAuto,           // drift.retrain: auto, after the retrain policy recommended it
  kAdmin,          // POST /v1/admin/retrain
};
inline constexpr int kRetrainTriggerCount = 3;
// "bootstrap", "auto", "admin": the label values of segd_model_retrains_total.
inline const char* RetrainTriggerName(RetrainTrigger t) {
  constexpr const char* kNames[] = {"bootstrap", "auto", "admin"};
  return kNames[static_cast<int>(t)];
}

struct IngestStats {
  std::atomic<uint64_t> messages{0};  // messages processed in committed batches
  std::array<std::atomic<uint64_t>, kApplyOutcomeCount> outcomes{};  // by ApplyOutcome
  std::array<std::atomic<uint64_t>, kRejectReasonCount> rejected{};  // by RejectReason
  std::atomic<uint64_t> stale_messages{0};  // offsets below the stored position (skipped)
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> batch_retries{0};  // batches re-run after a dead-letter failure
  std::atomic<int64_t> watermark_ms{0};    // max over partitions of the accepted event time
  std::atomic<uint64_t> customers{0};      // in the committed state
  std::array<std::atomic<uint64_t>, kRetrainTriggerCount> retrains{};  // baselines fitted
  std::atomic<uint64_t> commit_nanos_total{0};
  // steady_clock time (ns since its epoch) when the first batch was committed, 0 before.
  std::atomic<int64_t> first_commit_steady_ns{0};

  uint64_t applied() const { return outcomes[0].load(std::memory_order_relaxed); }
  uint64_t duplicates() const {
    uint64_t n = 0;
    for (size_t i = 1; i < outcomes.size(); ++i) n += outcomes[i].load(std::memory_order_relaxed);
    return n;
  }
  uint64_t rejected_total() const {
    uint64_t n = 0;
    for (const auto& r : rejected) n += r.load(std::memory_order_relaxed);
    return n;
  }
};

}  // namespace segd
