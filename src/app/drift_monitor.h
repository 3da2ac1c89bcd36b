// Evaluates drift: the baseline against the live model over every stored customer (online ARI)
// and, every drift.refit_every evaluations, against a fresh fit (refit ARI). Two schedules:
// - event time (drift.every_event_days): the monitor is the pipeline's boundary listener, so
//   each boundary the watermark crosses after the baseline's own time (a bootstrap baseline is
//   fitted at a boundary: its first evaluation is the next one) is evaluated exactly once, on
//   the state as of that boundary, on the consumer thread (ingest waits for it). The drift detector
//   (drift.detector) then runs on these evaluations only, its state restored from the history, so a
//   replay gives the same evaluations and the same decisions whatever the machine speed, batch
//   sizes or restarts. With drift.retrain: auto the new baseline is fitted at the boundary.
// - wall clock (drift.every_seconds): on the monitor's own thread, at the current watermark.
//   It drives the study's ARI rule when no event-time schedule is on; otherwise it only
//   refreshes the published figures between boundaries.
// Every evaluation is appended to the drift history. Construct and Start/Stop on the main
// thread; status() and history() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "drift/drift_history.h"
#include "segd/config/segd_config.h"
#include "segd/ingest/event_time_boundary_listener.h"
#include "segd/ingest/ingest_pipeline.h"
#include "segd/model/drift_detector.h"
#include "segd/model/drift_status.h"
#include "segd/state/state_store.h"

namespace segd {

// Several instances: where an evaluation's population is (implemented by GroupModels). The
// leader of a group with peers evaluates over every member's customers (each member labels its
// own under both models, the tables add up) and tells the followers, which evaluate nothing
// themselves and keep the leader's figures and history.
class DriftGroup {
 public:
  enum class Role { kSingle, kLeader, kFollower };
  virtual ~DriftGroup() = default;
  virtual Role role() const = 0;
  // kLeader: the report over every member's customers (features at `as_of_ms`).
  [[nodiscard]] virtual StatusOr<DriftReport> Evaluate(int64_t as_of_ms,
                                                       const ScaledModel& baseline,
                                                       const ScaledModel& comparison,
                                                       double active_days) = 0;
  // kLeader: every member's feature rows (for a refit on the whole population).
  [[nodiscard]] virtual StatusOr<FeatureRows> Rows(int64_t as_of_ms) = 0;
  // kLeader: an evaluation for the followers.
  virtual void Publish(const DriftRecord& record, const DriftStatus& status) = 0;
};

class DriftMonitor : public EventTimeBoundaryListener {
 public:
  // All pointers must outlive the monitor. With drift.every_event_days > 0 the monitor registers
  // itself as `pipeline`'s boundary listener (and unregisters when destroyed).
  DriftMonitor(const DriftConfig& config, StateStore* store, IngestPipeline* pipeline,
               const IngestStats* stats);
  ~DriftMonitor() override;

  // The wall-clock thread (only with drift.every_seconds > 0).
  void Start();
  void Stop();

  // One wall-clock evaluation now, at the current watermark. Without a baseline it does nothing.
  [[nodiscard]] Status EvaluateOnce();

  // The event-time schedule's evaluation (consumer thread, from the pipeline).
  [[nodiscard]] StatusOr<bool> OnBoundary(int64_t boundary_ms) override;

  DriftStatus status() const;
  const DriftHistory& history() const { return history_; }

  // Several instances (before Start): evaluations follow `group`'s role.
  void SetGroup(DriftGroup* group) { group_ = group; }
  // A follower: the leader's evaluation, kept as if made here (history and status).
  [[nodiscard]] Status Adopt(const DriftRecord& record, const DriftStatus& status);

 private:
  struct Evaluation {
    DriftReport online;
    std::optional<DriftReport> refit;
    DriftRecord record;
    const RowMatrix* centroids = nullptr;  // the live model's
  };
  void Loop();
  // Evaluates `live` at `as_of_ms` (features computed then), with a refit if `refit`.
  // `group`: over every member of the group (this instance leads one with peers).
  StatusOr<Evaluation> Evaluate(const IngestPipeline::LiveSnapshot& live, int64_t as_of_ms,
                                bool refit, bool group);
  // The Olist protocol: a fresh fit on today's customers, labels compared with the baseline's.
  StatusOr<DriftReport> Refit(const BaselineModel& baseline, int64_t as_of_ms, bool group);
  DriftGroup::Role role() const { return group_ ? group_->role() : DriftGroup::Role::kSingle; }
  // The detector as it stood after the last event-time evaluation before `boundary_ms` of the
  // same baseline (fresh for a new baseline).
  Status RestoreDetector(const BaselineModel& baseline, int64_t boundary_ms);
  // Event-time evaluations: the detector's verdict makes the policy's part of the record.
  void Detect(const Evaluation& e, DriftRecord* r);
  // Feeds the policy, records and publishes; returns whether an automatic retrain is due.
  StatusOr<bool> Conclude(Evaluation e, bool drives_policy, uint64_t live_updates);

  DriftConfig config_;
  StateStore* store_;
  IngestPipeline* pipeline_;
  const IngestStats* stats_;
  DriftHistory history_;
  DriftGroup* group_ = nullptr;
  int64_t every_event_ms_ = 0;             // 0: no event-time schedule
  std::mutex eval_mu_;                     // one evaluation at a time; guards the fields below
  RetrainPolicy policy_;                   // wall-clock-only schedules: the study's rule
  std::optional<DriftDetector> detector_;  // event-time schedules, for the current baseline
  uint64_t policy_baseline_version_ = 0;
  int64_t policy_as_of_ms_ = 0;  // the event-time evaluation the policy state follows (0: none)
  uint64_t evaluations_ = 0;     // wall-clock evaluations, for drift.refit_every
  uint64_t auto_retrain_asked_for_ = 0;  // baseline version an auto retrain was requested for
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  DriftStatus status_;     // guarded by mu_
  std::thread thread_;
};

}  // namespace segd
