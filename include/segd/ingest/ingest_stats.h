// Counters of the ingest pipeline since process start. Written by the consumer thread, readable
// from any thread (relaxed atomics: each value is exact, a set of values is not a snapshot).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "segd/event/rejection.h"
#include "segd/state/event_applier.h"

namespace segd {

// Why a baseline was fitted.
enum class RetrainTrigger : uint8_t {
  kBootstrap = 0,  // model.bootstrap_min_customers reached
  kAuto,           // drift.retrain: auto, after the retrain policy recommended it
  kAdmin,          // POST /v1/admin/retrain
  kLeader,         // several instances: the group leader's baseline, adopted
};
inline constexpr int kRetrainTriggerCount = 4;
// "bootstrap", "auto", "admin", "leader": the label values of segd_model_retrains_total.
inline const char* RetrainTriggerName(RetrainTrigger t) {
  constexpr const char* kNames[] = {"bootstrap", "auto", "admin", "leader"};
  return kNames[static_cast<int>(t)];
}

// A latency histogram with fixed buckets, cheap enough for the consumer thread (one relaxed
// increment per observation). Exposed as a Prometheus histogram.
struct LatencyHistogram {
  static constexpr std::array<double, 12> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1,    2.5};
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts{};  // last: above every bound
  std::atomic<uint64_t> sum_nanos{0};

  void Observe(int64_t nanos) {
    const double seconds = double(nanos) / 1e9;
    size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    counts[i].fetch_add(1, std::memory_order_relaxed);
    sum_nanos.fetch_add(uint64_t(nanos), std::memory_order_relaxed);
  }
};

// How far a partition's committed position is behind its end offset.
struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t messages = 0;
};

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
  LatencyHistogram commit_duration;                // per state-store commit
  std::atomic<uint64_t> changelog_records{0};      // customer records written to the changelog
  std::atomic<uint64_t> changelog_nanos_total{0};  // spent appending to it (commit thread)
  // Restores from the changelog (consumer thread).
  std::atomic<uint64_t> restore_records{0};     // changelog entries read
  std::atomic<uint64_t> restore_customers{0};   // customer records written
  std::atomic<uint64_t> restores_completed{0};  // partitions restored
  std::atomic<int64_t> restores_active{0};      // partitions being restored now
  std::atomic<int64_t> restore_remaining{0};    // entries left in the running restore
  std::atomic<uint64_t> restore_nanos_total{0};
  // Standby replicas (consumer thread).
  std::atomic<int64_t> standby_partitions{0};  // kept warm now
  std::atomic<int64_t> standby_behind{0};      // their changelog entries not applied yet
  std::atomic<uint64_t> standby_records{0};    // changelog entries read for them
  // Segment-change events (output.segment_changes_topic).
  std::array<std::atomic<uint64_t>, 2> segment_changes{};  // by SegmentChangeCause, committed
  std::atomic<uint64_t> announcements_sent{0};    // events acknowledged (re-sent ones included)
  std::atomic<uint64_t> announce_nanos_total{0};  // spent waiting for their acknowledgements
  std::atomic<uint64_t> relabel_scanned{0};       // customers looked at by relabels
  std::atomic<int64_t> relabel_version{0};        // baseline being relabelled now (0: none)
  // steady_clock time (ns since its epoch) when the first batch was committed, 0 before.
  std::atomic<int64_t> first_commit_steady_ns{0};
  // Partitions started past a history cut by retention (kafka.accept_history_gap).
  std::atomic<uint64_t> history_gaps_accepted{0};

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
