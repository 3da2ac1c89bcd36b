// Evaluates drift on its own thread every drift.every_seconds of wall clock and/or every
// drift.every_event_days of event time: the baseline against the live model over every stored
// customer (online ARI) and, every drift.refit_every evaluations, against a fresh fit (refit
// ARI). The drift.method ARI feeds the retrain policy; with drift.retrain: auto a recommendation
// asks the pipeline for a new baseline. Start/Stop from the main thread; status() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "segd/config/segd_config.h"
#include "segd/ingest/ingest_pipeline.h"
#include "segd/model/drift_status.h"
#include "segd/state/state_store.h"

namespace segd {

class DriftMonitor {
 public:
  // All pointers must outlive the monitor.
  DriftMonitor(const DriftConfig& config, StateStore* store, IngestPipeline* pipeline,
               const IngestStats* stats);
  ~DriftMonitor();

  void Start();
  void Stop();

  // One evaluation now (also what the thread runs). Without a baseline it does nothing.
  [[nodiscard]] Status EvaluateOnce();

  DriftStatus status() const;

 private:
  void Loop();
  bool Due(std::chrono::steady_clock::time_point last_run) const;
  // The Olist protocol: a fresh fit on today's customers, labels compared with the baseline's.
  StatusOr<DriftReport> Refit(const BaselineModel& baseline, int64_t watermark);

  DriftConfig config_;
  StateStore* store_;
  IngestPipeline* pipeline_;
  const IngestStats* stats_;
  RetrainPolicy policy_;  // the rest: used by the evaluating thread only
  uint64_t policy_baseline_version_ = 0;
  uint64_t evaluations_ = 0;
  uint64_t auto_retrain_asked_for_ = 0;  // baseline version an auto retrain was requested for
  int64_t last_watermark_ms_ = 0;        // at the last evaluation
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  DriftStatus status_;     // guarded by mu_
  std::thread thread_;
};

}  // namespace segd
