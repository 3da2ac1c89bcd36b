#include "app/drift_monitor.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

#include "segd/model/baseline_trainer.h"

namespace segd {

DriftMonitor::DriftMonitor(const DriftConfig& config, StateStore* store, IngestPipeline* pipeline,
                           const IngestStats* stats)
    : config_(config),
      store_(store),
      pipeline_(pipeline),
      stats_(stats),
      policy_({.threshold = config.threshold,
               .critical = config.critical,
               .consecutive = config.consecutive_evaluations,
               .hysteresis = config.hysteresis}) {}

DriftMonitor::~DriftMonitor() { Stop(); }

void DriftMonitor::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void DriftMonitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool DriftMonitor::Due(std::chrono::steady_clock::time_point last_run) const {
  if (config_.every_seconds > 0 &&
      std::chrono::steady_clock::now() - last_run >= std::chrono::seconds(config_.every_seconds)) {
    return true;
  }
  if (config_.every_event_days > 0) {
    const int64_t watermark = stats_->watermark_ms.load(std::memory_order_relaxed);
    return watermark - last_watermark_ms_ >= int64_t(config_.every_event_days * 86'400'000.0);
  }
  return false;
}

void DriftMonitor::Loop() {
  // With an event-time schedule, look at the watermark every second; otherwise sleep the
  // whole wall-clock interval.
  const auto tick = config_.every_event_days > 0 ? std::chrono::seconds(1)
                                                 : std::chrono::seconds(config_.every_seconds);
  auto last_run = std::chrono::steady_clock::now();
  last_watermark_ms_ = stats_->watermark_ms.load(std::memory_order_relaxed);
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, tick, [this] { return stopping_; })) {
    if (!Due(last_run)) continue;
    lock.unlock();
    last_run = std::chrono::steady_clock::now();
    if (Status s = EvaluateOnce(); !s.ok()) {
      spdlog::warn("drift evaluation failed: {}", s.ToString());
    }
    lock.lock();
  }
}

Status DriftMonitor::EvaluateOnce() {
  auto live = pipeline_->live_snapshot();
  if (!live || !live->baseline) return Status::Ok();
  const BaselineModel& b = *live->baseline;
  if (b.version != policy_baseline_version_) {  // a new baseline starts a new history
    policy_.Reset();
    policy_baseline_version_ = b.version;
  }
  const int64_t watermark = stats_->watermark_ms.load(std::memory_order_relaxed);
  last_watermark_ms_ = watermark;
  auto report = EvaluateDrift(*store_, watermark, {&b.spec, &b.scaler, &b.centroids},
                              {&b.spec, &b.scaler, &live->centroids});
  if (!report.ok()) return report.status();
  const bool by_refit = config_.method == "refit";
  std::optional<DriftReport> refit;
  if (by_refit || (config_.refit_every > 0 && evaluations_ % uint64_t(config_.refit_every) == 0)) {
    auto r = Refit(b, watermark);
    if (!r.ok()) return r.status();
    refit = std::move(*r);
  }
  ++evaluations_;
  const double ari = by_refit ? refit->ari : report->ari;
  const bool recommended = policy_.Observe(ari);
  spdlog::info(
      "drift evaluated baseline=v{} method={} ari={:.4f} customers={} retrain_recommended={} "
      "seconds={:.3f}",
      b.version, config_.method, ari, report->customers, recommended, report->seconds);
  if (recommended && config_.retrain == "auto" && auto_retrain_asked_for_ != b.version) {
    // The fit runs on the consumer thread; the next evaluation sees the new baseline, which
    // starts a new policy history (the flag clears).
    auto_retrain_asked_for_ = b.version;
    spdlog::warn("retrain recommended for baseline v{} (ari {:.4f}): fitting a new baseline",
                 b.version, ari);
    (void)pipeline_->RequestRetrain(RetrainTrigger::kAuto);
  }
  std::lock_guard<std::mutex> lock(mu_);
  status_.evaluated = true;
  status_.online = std::move(*report);
  if (refit) {
    status_.refit_evaluated = true;
    status_.refit = std::move(*refit);
  }
  status_.retrain_recommended = recommended;
  status_.severity = policy_.severity();
  status_.baseline_version = b.version;
  status_.live_updates = live->updates;
  status_.evaluated_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  return Status::Ok();
}

StatusOr<DriftReport> DriftMonitor::Refit(const BaselineModel& b, int64_t watermark) {
  auto fresh =
      TrainBaseline(*store_, watermark, b.spec, {.k = b.k(), .n_init = 3, .seed = b.version}, &b);
  if (!fresh.ok()) return fresh.status();
  auto report = EvaluateDrift(*store_, watermark, {&b.spec, &b.scaler, &b.centroids},
                              {&fresh->spec, &fresh->scaler, &fresh->centroids});
  if (report.ok()) {
    spdlog::info("drift refit baseline=v{} ari={:.4f} seconds={:.3f}", b.version, report->ari,
                 report->seconds);
  }
  return report;
}

DriftStatus DriftMonitor::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

}  // namespace segd
