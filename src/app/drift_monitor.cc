#include "app/drift_monitor.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>

#include "app/model_options.h"
#include "segd/common/hex.h"
#include "segd/event/event_time.h"
#include "segd/model/baseline_trainer.h"

namespace segd {
namespace {

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<double> Shares(const std::vector<uint64_t>& sizes) {
  uint64_t total = 0;
  for (uint64_t n : sizes) total += n;
  std::vector<double> shares;
  for (uint64_t n : sizes) shares.push_back(total ? double(n) / double(total) : 0.0);
  return shares;
}

// What the history keeps of one evaluation (the policy's part is filled in by Conclude).
DriftRecord MakeRecord(const BaselineModel& b, const RowMatrix& live_centroids,
                       const DriftReport& online, const std::optional<DriftReport>& refit,
                       int64_t as_of_ms) {
  DriftRecord r;
  r.as_of_ms = as_of_ms;
  r.evaluated_unix_ms = WallClockMs();
  r.baseline_version = b.version;
  r.customers = online.customers;
  r.ari_online = online.ari;
  if (refit) r.ari_refit = refit->ari;
  r.psi = online.psi;
  for (const FeatureDef& f : b.spec.features) r.features.emplace_back(FeatureKindName(f.kind));
  r.segment_names = b.names;
  r.share_baseline = Shares(online.baseline_sizes);
  r.share_live = Shares(online.comparison_sizes);
  r.migration.assign(size_t(online.table.rows()), std::vector<uint64_t>(online.table.cols()));
  for (int i = 0; i < online.table.rows(); ++i) {
    for (int j = 0; j < online.table.cols(); ++j) r.migration[i][j] = online.table.at(i, j);
  }
  for (int c = 0; c < b.k(); ++c) {
    const auto now = ToOriginalUnits(b.spec, b.scaler, live_centroids.row(c).data());
    std::vector<double>& shift = r.centroid_shift.emplace_back();
    for (size_t f = 0; f < now.size(); ++f) shift.push_back(now[f] - b.centroids_original[c][f]);
  }
  r.seconds = online.seconds + (refit ? refit->seconds : 0.0);
  return r;
}

}  // namespace

DriftMonitor::DriftMonitor(const DriftConfig& config, StateStore* store, IngestPipeline* pipeline,
                           const IngestStats* stats)
    : config_(config),
      store_(store),
      pipeline_(pipeline),
      stats_(stats),
      history_(store, {.keep = config.history_keep, .keep_days = config.history_keep_days}),
      every_event_ms_(
          config.every_event_days > 0
              ? std::max<int64_t>(1, std::llround(config.every_event_days * 86'400'000.0))
              : 0),
      policy_({.threshold = config.threshold,
               .critical = config.critical,
               .consecutive = config.consecutive_evaluations,
               .hysteresis = config.hysteresis}) {
  if (every_event_ms_ > 0) pipeline_->SetBoundaryListener(every_event_ms_, this);
}

DriftMonitor::~DriftMonitor() {
  Stop();
  if (every_event_ms_ > 0) pipeline_->SetBoundaryListener(0, nullptr);
}

void DriftMonitor::Start() {
  if (config_.every_seconds > 0) thread_ = std::thread([this] { Loop(); });
}

void DriftMonitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DriftMonitor::Loop() {
  const auto every = std::chrono::seconds(config_.every_seconds);
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, every, [this] { return stopping_; })) {
    lock.unlock();
    if (Status s = EvaluateOnce(); !s.ok()) {
      spdlog::warn("drift evaluation failed: {}", s.ToString());
    }
    lock.lock();
  }
}

Status DriftMonitor::EvaluateOnce() {
  auto live = pipeline_->live_snapshot();
  if (!live || !live->baseline || role() == DriftGroup::Role::kFollower) return Status::Ok();
  std::lock_guard<std::mutex> lock(eval_mu_);
  const bool drives_policy = every_event_ms_ == 0;
  const bool refit =
      config_.method == "refit" || (drives_policy && config_.refit_every > 0 &&
                                    evaluations_ % uint64_t(config_.refit_every) == 0);
  auto e = Evaluate(*live, stats_->watermark_ms.load(std::memory_order_relaxed), refit,
                    role() == DriftGroup::Role::kLeader);
  if (!e.ok()) return e.status();
  ++evaluations_;
  e->record.schedule = DriftSchedule::kWallClock;
  auto retrain = Conclude(std::move(*e), drives_policy, live->updates);
  if (!retrain.ok()) return retrain.status();
  if (*retrain) {
    // The fit runs on the consumer thread; the next evaluation sees the new baseline, which
    // starts a new policy history (the flag clears).
    (void)pipeline_->RequestRetrain(RetrainTrigger::kAuto);
  }
  return Status::Ok();
}

StatusOr<bool> DriftMonitor::OnBoundary(int64_t boundary_ms) {
  auto live = pipeline_->live_snapshot();  // as of the last commit: the boundary's state
  const DriftGroup::Role as = role();      // once: it may change while members are asked
  if (!live || !live->baseline || as == DriftGroup::Role::kFollower) return false;
  // A baseline fitted at this boundary (the bootstrap's) has nothing to be compared with yet:
  // its evaluations start at the next boundary, as after `segd train` or an automatic retrain
  // at a boundary, and as `segd simulate`'s steps after t0.
  if (live->baseline->watermark_ms == boundary_ms) return false;
  std::lock_guard<std::mutex> lock(eval_mu_);
  SEGD_RETURN_IF_ERROR(RestoreDetector(*live->baseline, boundary_ms));
  // Which boundaries refit depends on the boundary alone, so restarts do not shift it.
  const bool refit =
      config_.method == "refit" ||
      (config_.refit_every > 0 && (boundary_ms / every_event_ms_) % config_.refit_every == 0);
  auto e = Evaluate(*live, boundary_ms, refit, as == DriftGroup::Role::kLeader);
  if (!e.ok() && as == DriftGroup::Role::kLeader) {
    // A member did not answer or answered nonsense (it left, the group is rebalancing): this
    // boundary has no group evaluation; ingest goes on.
    spdlog::warn("drift evaluation at {} skipped: {}", FormatRfc3339(boundary_ms),
                 e.status().ToString());
    return false;
  }
  if (!e.ok()) return e.status();
  e->record.schedule = DriftSchedule::kEventTime;
  policy_as_of_ms_ = boundary_ms;
  return Conclude(std::move(*e), true, live->updates);
}

Status DriftMonitor::RestoreDetector(const BaselineModel& baseline, int64_t boundary_ms) {
  if (detector_ && policy_as_of_ms_ != 0 && policy_as_of_ms_ < boundary_ms &&
      policy_baseline_version_ == baseline.version) {
    return Status::Ok();  // the usual case: the next boundary after the one in memory
  }
  // A start, a boundary evaluated again after a crash, or a new baseline.
  detector_.emplace(ToDetectorOptions(config_), baseline);
  policy_baseline_version_ = baseline.version;
  auto last = history_.LastEventTimeBefore(boundary_ms);
  if (!last.ok()) return last.status();
  if (*last && (*last)->baseline_version == baseline.version && !(*last)->detector_state.empty()) {
    std::string state;
    if (!HexDecode((*last)->detector_state, &state)) {
      return DataLoss("drift history: unreadable detector state");
    }
    SEGD_RETURN_IF_ERROR(detector_->Restore(state));
  }
  return Status::Ok();
}

void DriftMonitor::Detect(const Evaluation& e, DriftRecord* r) {
  const DriftVerdict v = detector_->Observe({.time_ms = r->as_of_ms,
                                             .online = &e.online,
                                             .refit = e.refit ? &*e.refit : nullptr,
                                             .centroids = e.centroids});
  r->policy = {.recommended = v.alert, .severity = v.severity, .below = v.streak};
  r->statistic = v.statistic;
  r->limit = v.limit;
  r->calibrating = v.calibrating;
  r->reason = v.reason;
  r->detector_state = HexEncode(detector_->Encode());
  if (v.raised) {
    spdlog::warn("drift alert baseline=v{} as_of={} detector={} severity={}: {}",
                 r->baseline_version, FormatRfc3339(r->as_of_ms), r->detector,
                 DriftSeverityName(v.severity), v.reason);
  }
}

StatusOr<DriftMonitor::Evaluation> DriftMonitor::Evaluate(const IngestPipeline::LiveSnapshot& live,
                                                          int64_t as_of_ms, bool refit,
                                                          bool group) {
  const BaselineModel& b = *live.baseline;
  Evaluation e;
  const ScaledModel base{&b.spec, &b.scaler, &b.centroids},
      cmp{&b.spec, &b.scaler, &live.centroids};
  auto online = group ? group_->Evaluate(as_of_ms, base, cmp, config_.active_days)
                      : EvaluateDrift(*store_, as_of_ms, base, cmp, config_.active_days);
  if (!online.ok()) return online.status();
  e.online = std::move(*online);
  e.centroids = &live.centroids;
  if (refit) {
    auto r = Refit(b, as_of_ms, group);
    if (r.ok()) {
      e.refit = std::move(*r);
    } else if (r.status().code() == StatusCode::kFailedPrecondition) {
      spdlog::warn("drift refit skipped: {}", r.status().ToString());  // too few customers
    } else {
      return r.status();
    }
  }
  e.record = MakeRecord(b, live.centroids, e.online, e.refit, as_of_ms);
  return e;
}

StatusOr<bool> DriftMonitor::Conclude(Evaluation e, bool drives_policy, uint64_t live_updates) {
  const uint64_t version = e.record.baseline_version;
  DriftRecord& r = e.record;
  r.method = config_.method;
  r.live_updates = live_updates;
  const bool by_refit = config_.method == "refit";
  const double ari = by_refit && e.refit ? e.refit->ari : e.online.ari;
  const bool event_time = every_event_ms_ > 0;
  if (event_time) {
    // Event-time schedules: the detector, fed by boundary evaluations only.
    r.detector = config_.detector;
    if (drives_policy) {
      Detect(e, &r);
    } else if (detector_ && policy_baseline_version_ == version) {
      r.policy = {.recommended = detector_->alert()};
    }
  } else {
    // Wall-clock only: the study's rule. Without a refit ARI (too few customers to fit) the
    // refit method has nothing to observe.
    if (version != policy_baseline_version_) {  // a new baseline, a new history
      policy_.Reset();
      policy_baseline_version_ = version;
    }
    if (!by_refit || e.refit) policy_.Observe(ari);
    r.detector = "ari_threshold";
    r.policy = policy_.state();
    r.statistic = ari;
    r.limit = config_.threshold;
  }
  const bool recommended = r.policy.recommended && policy_baseline_version_ == version;
  spdlog::info(
      "drift evaluated schedule={} as_of={} baseline=v{} method={} ari={:.4f} customers={} "
      "detector={} retrain_recommended={} seconds={:.3f}",
      DriftScheduleName(r.schedule), FormatRfc3339(r.as_of_ms), version, config_.method, ari,
      r.customers, r.detector, recommended, r.seconds);
  SEGD_RETURN_IF_ERROR(history_.Append(r));
  bool retrain = false;
  if (drives_policy && recommended && config_.retrain == "auto" &&
      auto_retrain_asked_for_ != version) {
    auto_retrain_asked_for_ = version;
    spdlog::warn("retrain recommended for baseline v{} (ari {:.4f}): fitting a new baseline",
                 version, ari);
    retrain = true;
  }
  std::lock_guard<std::mutex> lock(mu_);
  status_.evaluated = true;
  status_.online = std::move(e.online);
  if (e.refit) {
    status_.refit_evaluated = true;
    status_.refit = std::move(*e.refit);
  }
  status_.retrain_recommended = recommended;
  status_.severity = recommended ? r.policy.severity : DriftSeverity::kNone;
  status_.baseline_version = version;
  status_.live_updates = live_updates;
  status_.evaluated_unix_ms = r.evaluated_unix_ms;
  status_.as_of_ms = r.as_of_ms;
  status_.detector = r.detector;
  status_.statistic = r.statistic;
  status_.limit = r.limit;
  status_.reason = r.reason;
  if (group_ && role() == DriftGroup::Role::kLeader) group_->Publish(r, status_);
  return retrain;
}

Status DriftMonitor::Adopt(const DriftRecord& record, const DriftStatus& status) {
  // Called on the cluster node's thread, which must keep heartbeating: an evaluation of this
  // instance's own still running (it led a moment ago) wins, and the leader's is dropped.
  std::unique_lock<std::mutex> eval_lock(eval_mu_, std::try_to_lock);
  if (!eval_lock.owns_lock()) return Unavailable("an evaluation of this instance is running");
  SEGD_RETURN_IF_ERROR(history_.Append(record));
  std::lock_guard<std::mutex> lock(mu_);
  status_ = status;
  return Status::Ok();
}

StatusOr<DriftReport> DriftMonitor::Refit(const BaselineModel& b, int64_t as_of_ms, bool group) {
  const TrainOptions options{.k = b.k(), .n_init = 3, .seed = b.version};
  StatusOr<BaselineModel> fresh = FailedPrecondition("no fit");
  if (group) {
    auto rows = group_->Rows(as_of_ms);
    if (!rows.ok()) return rows.status();
    fresh = FitBaseline(std::move(*rows), as_of_ms, b.spec, options, &b);
  } else {
    fresh = TrainBaseline(*store_, as_of_ms, b.spec, options, &b);
  }
  if (!fresh.ok()) return fresh.status();
  const ScaledModel base{&b.spec, &b.scaler, &b.centroids},
      cmp{&fresh->spec, &fresh->scaler, &fresh->centroids};
  auto report = group ? group_->Evaluate(as_of_ms, base, cmp, kDefaultActiveDays)
                      : EvaluateDrift(*store_, as_of_ms, base, cmp);
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
