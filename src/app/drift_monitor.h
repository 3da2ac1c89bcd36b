// Evaluates drift on its own thread every drift.every_seconds: the baseline against the live
// model over every stored customer (online ARI), fed to the retrain policy. Start/Stop from the
// main thread; status() from any thread.
#pragma once

#include <atomic>
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
  DriftMonitor(const DriftConfig& config, StateStore* store, const IngestPipeline* pipeline,
               const IngestStats* stats);
  ~DriftMonitor();

  void Start();
  void Stop();

  // One evaluation now (also what the thread runs). Without a baseline it does nothing.
  [[nodiscard]] Status EvaluateOnce();

  DriftStatus status() const;

 private:
  void Loop();
  // The Olist protocol: a fresh fit on today's customers, labels compared with the baseline's.
  StatusOr<DriftReport> Refit(const BaselineModel& baseline, int64_t watermark);

  DriftConfig config_;
  StateStore* store_;
  const IngestPipeline* pipeline_;
  const IngestStats* stats_;
  RetrainPolicy policy_;  // used by the evaluating thread only
  uint64_t policy_baseline_version_ = 0;
  uint64_t evaluations_ = 0;  // by the evaluating thread
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  DriftStatus status_;     // guarded by mu_
  std::thread thread_;
};

}  // namespace segd
