#include "app/simulate.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <span>

#include "segd/event/event_time.h"
#include "segd/model/baseline_trainer.h"
#include "segd/model/contingency_table.h"
#include "segd/model/kmeans.h"
#include "segd/state/memory_state_store.h"

namespace segd {
namespace {

constexpr uint64_t kSilhouetteSeed = 7;  // the same sample of Ci for every model at a step

// The unscaled feature rows of the population (customers with live orders) at `watermark_ms`;
// `active` gets, per row, whether the customer ordered within DriftReport's active window.
StatusOr<RowMatrix> PopulationFeatures(StateStore& store, const FeatureSpec& spec,
                                       int64_t watermark_ms, double active_days,
                                       std::vector<bool>* active) {
  std::vector<double> flat;
  const size_t d = spec.features.size();
  std::vector<double> row(d);
  const double active_since = double(watermark_ms) - active_days * kMillisPerDay;
  active->clear();
  SEGD_RETURN_IF_ERROR(store.ScanCustomers([&](std::string_view, const CustomerState& s) {
    if (ExtractFeatures(spec, s, watermark_ms, row.data())) {
      flat.insert(flat.end(), row.begin(), row.end());
      active->push_back(double(s.last_order_ms) >= active_since);
    }
    return true;
  }));
  return RowMatrix(
      Eigen::Map<RowMatrix>(flat.data(), Eigen::Index(flat.size() / d), Eigen::Index(d)));
}

RowMatrix Scaled(const RowMatrix& x, const Scaler& scaler) {
  RowMatrix out = x;
  scaler.TransformInPlace(&out);
  return out;
}

std::vector<int> Labels(const RowMatrix& scaled, const RowMatrix& centroids) {
  return KMeansModel{.centroids = centroids}.Assign(scaled);
}

std::vector<double> Shares(const std::vector<int>& labels, int k) {
  std::vector<double> shares(size_t(k), 0.0);
  for (int l : labels) shares[size_t(l)] += 1.0;
  for (double& s : shares) s = labels.empty() ? 0.0 : s / double(labels.size());
  return shares;
}

double Ari(const std::vector<int>& a, const std::vector<int>& b, int k) {
  return AdjustedRandIndex(ContingencyTable::FromLabels(a, b, k, k));
}

// Median, min and max of the days each start stayed above the threshold.
RetrainInterval Interval(const std::vector<StartCurve>& starts) {
  RetrainInterval in;
  std::vector<double> days;
  for (const StartCurve& c : starts) {
    days.push_back(c.days_above);
    in.censored += c.censored ? 1 : 0;
  }
  if (days.empty()) return in;
  std::sort(days.begin(), days.end());
  const size_t n = days.size();
  in.starts = static_cast<int>(n);
  in.min_days = days.front();
  in.max_days = days.back();
  in.median_days = n % 2 == 1 ? days[n / 2] : (days[n / 2 - 1] + days[n / 2]) / 2;
  // A censored start's true interval is longer: the median is exact only if every censored
  // start already lies above it.
  for (const StartCurve& c : starts) {
    if (c.censored && c.days_above <= in.median_days) in.median_is_lower_bound = true;
  }
  return in;
}

// One run of the protocol; the store holds the population as the history unfolds.
class RetrainingStudy {
 public:
  RetrainingStudy(const std::vector<TimedEvent>& events, const SimulateOptions& options)
      : events_(events), o_(options) {}

  StatusOr<SimulateResult> Run();

 private:
  Status ChooseSchedule();
  Status Feed(IngestPipeline& pipeline, int64_t until_ms);
  Status FitM0();
  Status Step(size_t i);
  void TrackStarts(size_t i, const RowMatrix& x, const std::vector<int>& labels_mi,
                   const BaselineModel& mi);
  void NoteCrossings(const SimulateStep& s);
  void Detect(SimulateStep& s, const std::vector<int>& m0_labels,
              const std::vector<int>& online_labels, const std::vector<int>& mi_labels,
              const std::vector<bool>& active, const RowMatrix& live_centroids);
  void Summarise();
  std::unique_ptr<IngestPipeline> NewPipeline();

  const std::vector<TimedEvent>& events_;
  const SimulateOptions& o_;
  ModelLifecycleOptions lifecycle_;
  MemoryStateStore store_;
  CountingDeadLetterSink dlq_;  // the study counts dead letters, sends them nowhere
  IngestStats stats_;
  std::unique_ptr<IngestPipeline> pipeline_;
  std::vector<RawMessage> messages_;  // Feed's, reused
  size_t next_ = 0;                   // first event not fed yet
  int64_t step_ms_ = 0, clock_ms_ = 0;
  size_t total_ = 0, start_count_ = 0;
  BaselineModel m0_;
  TrainOptions refit_;
  std::vector<BaselineModel> start_models_;  // [j]: fitted at t0 + j steps ([0] is M0)
  // The configured detector, the study's rule on online and refit ARI, PSI alone.
  std::vector<DriftDetector> detectors_;
  SimulateResult r_;
};

StatusOr<SimulateResult> RetrainingStudy::Run() {
  SEGD_RETURN_IF_ERROR(ChooseSchedule());
  // As an operator would run it: `segd run` up to t0 (no baseline yet), `segd train` at t0,
  // then `segd run` again, whose live model starts as a copy of M0.
  lifecycle_ = o_.model;
  lifecycle_.bootstrap_min_customers = 0;
  {
    auto before = NewPipeline();
    SEGD_RETURN_IF_ERROR(before->Load(lifecycle_));
    SEGD_RETURN_IF_ERROR(Feed(*before, r_.start_ms));
  }
  SEGD_RETURN_IF_ERROR(FitM0());
  pipeline_ = NewPipeline();
  SEGD_RETURN_IF_ERROR(pipeline_->Load(lifecycle_));
  for (size_t i = 1; i <= total_; ++i) {
    SEGD_RETURN_IF_ERROR(Step(i));
    if (o_.progress) o_.progress(i, total_);
  }
  Summarise();
  return std::move(r_);
}

std::unique_ptr<IngestPipeline> RetrainingStudy::NewPipeline() {
  auto p = std::make_unique<IngestPipeline>(o_.decoder, &store_, &dlq_, &stats_,
                                            [this] { return clock_ms_; });
  p->SetFoldPolicy(o_.fold);
  return p;
}

Status RetrainingStudy::ChooseSchedule() {
  if (events_.empty()) return InvalidArgument("simulate: the history has no events");
  if (!(o_.step_days > 0)) return InvalidArgument("simulate: step_days must be positive");
  const int64_t first = events_.front().time_ms, last = events_.back().time_ms;
  int64_t t0 = o_.start_ms;
  if (t0 == 0) {  // a year in, or mid-history for a shorter one, at midnight UTC
    t0 = std::min(first + 365 * kMillisPerDay, first + (last - first) / 2);
    t0 -= t0 % kMillisPerDay;
  }
  step_ms_ = std::llround(o_.step_days * double(kMillisPerDay));
  if (t0 <= first || t0 + step_ms_ > last) {
    return InvalidArgument("simulate: the start date " + FormatRfc3339(t0) +
                           " must leave at least one step inside the history (" +
                           FormatRfc3339(first) + " .. " + FormatRfc3339(last) + ")");
  }
  total_ = static_cast<size_t>((last - t0) / step_ms_);
  start_count_ = o_.starts > 0 ? std::min<size_t>(size_t(o_.starts), total_) : total_ / 2 + 1;
  clock_ms_ = last + kMillisPerDay;  // the future-time guard sees the whole history as past
  r_.start_ms = t0;
  r_.step_days = o_.step_days;
  r_.events = events_.size();
  return Status::Ok();
}

// Feeds every event before `until_ms`, in micro-batches of the daemon's size (the result does
// not depend on it: live mini-batches are cut by event count inside the pipeline).
Status RetrainingStudy::Feed(IngestPipeline& pipeline, int64_t until_ms) {
  messages_.clear();
  for (; next_ < events_.size() && events_[next_].time_ms < until_ms; ++next_) {
    const TimedEvent& e = events_[next_];
    messages_.push_back({"simulate", 0, int64_t(next_), !e.key.empty(), e.key, e.json});
  }
  SEGD_RETURN_IF_ERROR(pipeline.Process(messages_, o_.batch_max_events));
  r_.rejected = dlq_.count();
  return Status::Ok();
}

Status RetrainingStudy::FitM0() {
  auto m0 = TrainBaseline(store_, r_.start_ms, o_.model.spec, o_.model.train, nullptr);
  if (!m0.ok()) {
    return FailedPrecondition("simulate: cannot fit M0 at " + FormatRfc3339(r_.start_ms) + ": " +
                              m0.status().message());
  }
  m0_ = std::move(*m0);
  SEGD_RETURN_IF_ERROR(SaveBaseline(store_, m0_, 2));
  r_.c0_customers = m0_.population;
  r_.k = m0_.k();
  refit_ = o_.model.train;  // every Mi has M0's k (chosen once when k is auto)
  refit_.auto_k = false;
  refit_.k = m0_.k();
  start_models_.push_back(m0_);
  r_.starts.push_back({.start_ms = r_.start_ms, .first_step = 0});
  DetectorOptions rule{
      .method = DetectorMethod::kAriThreshold,
      .ari_rule = {
          .threshold = o_.threshold, .critical = o_.critical, .consecutive = o_.consecutive}};
  DetectorOptions refit_rule = rule;
  refit_rule.ari_refit = true;
  DetectorOptions psi = o_.detector;
  psi.method = DetectorMethod::kPsi;
  for (const DetectorOptions& d : {o_.detector, rule, refit_rule, psi}) {
    detectors_.emplace_back(d, m0_);
  }
  r_.detector_method = DetectorMethodName(o_.detector.method);
  return Status::Ok();
}

Status RetrainingStudy::Step(size_t i) {
  const int64_t ti = r_.start_ms + int64_t(i) * step_ms_;
  SEGD_RETURN_IF_ERROR(Feed(*pipeline_, ti));
  auto live = pipeline_->live_snapshot();
  if (!live || !live->baseline) return Internal("simulate: the live model has no baseline");
  auto mi = TrainBaseline(store_, ti, o_.model.spec, refit_, &m0_);
  if (!mi.ok()) return mi.status();
  std::vector<bool> active;
  auto x = PopulationFeatures(store_, o_.model.spec, ti, o_.active_days, &active);
  if (!x.ok()) return x.status();

  const int k = m0_.k();
  const RowMatrix in_m0 = Scaled(*x, m0_.scaler), in_mi = Scaled(*x, mi->scaler);
  const std::vector<int> m0_labels = Labels(in_m0, m0_.centroids);
  const std::vector<int> online_labels = Labels(in_m0, live->centroids);
  const std::vector<int> mi_labels = Labels(in_mi, mi->centroids);
  SimulateStep& s = r_.steps.emplace_back();
  s.time_ms = ti;
  s.customers = uint64_t(x->rows());
  // What the daemon's drift evaluation at ti gives: the same population, features and labels.
  s.ari_online = Ari(m0_labels, online_labels, k);
  s.ari_refit = Ari(m0_labels, mi_labels, k);
  s.share_m0 = Shares(m0_labels, k);
  s.share_refit = Shares(mi_labels, k);
  s.share_online = Shares(online_labels, k);
  const int n = o_.model.train.silhouette_sample;
  s.silhouette_m0 = SampledSilhouette(in_m0, m0_labels, k, n, kSilhouetteSeed);
  s.silhouette_refit = SampledSilhouette(in_mi, mi_labels, k, n, kSilhouetteSeed);
  s.silhouette_online = SampledSilhouette(in_m0, online_labels, k, n, kSilhouetteSeed);
  NoteCrossings(s);
  Detect(s, m0_labels, online_labels, mi_labels, active, live->centroids);
  TrackStarts(i, *x, mi_labels, *mi);
  return Status::Ok();
}

// Every start date before ti is compared with Mi; Mi itself becomes the next start's model.
void RetrainingStudy::TrackStarts(size_t i, const RowMatrix& x, const std::vector<int>& labels_mi,
                                  const BaselineModel& mi) {
  const int k = m0_.k();
  for (size_t j = 0; j < r_.starts.size(); ++j) {
    const BaselineModel& start = start_models_[j];
    const double ari = j == 0 ? r_.steps.back().ari_refit
                              : Ari(Labels(Scaled(x, start.scaler), start.centroids), labels_mi, k);
    r_.starts[j].ari.push_back(ari);
  }
  if (i < start_count_) {
    start_models_.push_back(mi);
    r_.starts.push_back({.start_ms = mi.watermark_ms, .first_step = i});
  }
}

void RetrainingStudy::NoteCrossings(const SimulateStep& s) {
  auto note = [&](std::optional<int64_t>* first, double ari, double level) {
    if (!*first && ari < level) *first = s.time_ms;
  };
  note(&r_.refit_below_threshold_ms, s.ari_refit, o_.threshold);
  note(&r_.refit_below_critical_ms, s.ari_refit, o_.critical);
  note(&r_.online_below_threshold_ms, s.ari_online, o_.threshold);
  note(&r_.online_below_critical_ms, s.ari_online, o_.critical);
}

// The daemon's DriftReport (EvaluateDrift) for a pair of labelings of Ci (M0's first).
DriftReport Report(const std::vector<int>& m0_labels, const std::vector<int>& other,
                   const std::vector<bool>& active, int k, double active_days) {
  DriftReport r;
  r.active_days = active_days;
  r.active_sizes.assign(size_t(k), 0);
  for (size_t i = 0; i < m0_labels.size(); ++i) {
    if (active[i]) ++r.active_sizes[size_t(m0_labels[i])];
  }
  r.table = ContingencyTable::FromLabels(m0_labels, other, k, k);
  r.ari = AdjustedRandIndex(r.table);
  r.customers = r.table.total();
  r.baseline_sizes = r.table.RowSums();
  r.comparison_sizes = r.table.ColSums();
  r.psi = PopulationStabilityIndex(Shares(m0_labels, k), Shares(other, k));
  return r;
}

void RetrainingStudy::Detect(SimulateStep& s, const std::vector<int>& m0_labels,
                             const std::vector<int>& online_labels,
                             const std::vector<int>& mi_labels, const std::vector<bool>& active,
                             const RowMatrix& live_centroids) {
  const int k = m0_.k();
  const DriftReport online = Report(m0_labels, online_labels, active, k, o_.active_days);
  const DriftReport refit = Report(m0_labels, mi_labels, active, k, o_.active_days);
  const DriftObservation o{
      .time_ms = s.time_ms, .online = &online, .refit = &refit, .centroids = &live_centroids};
  std::vector<DriftVerdict> v;
  for (DriftDetector& d : detectors_) v.push_back(d.Observe(o));
  s.detector = v[0];
  s.alert_ari_online = v[1].alert;
  s.alert_ari_refit = v[2].alert;
  s.alert_psi = v[3].alert;
  DetectorAlerts& a = r_.alerts;
  auto note = [&](const DriftVerdict& verdict, std::optional<int64_t>* first, int* raised) {
    if (!verdict.raised) return;
    ++*raised;
    if (!*first) *first = s.time_ms;
  };
  if (v[0].raised && !a.detector_ms) a.detector_reason = v[0].reason;
  note(v[0], &a.detector_ms, &a.detector_raised);
  note(v[1], &a.ari_online_ms, &a.ari_online_raised);
  note(v[2], &a.ari_refit_ms, &a.ari_refit_raised);
  note(v[3], &a.psi_ms, &a.psi_raised);
}

void RetrainingStudy::Summarise() {
  for (StartCurve& c : r_.starts) {
    const auto fell =
        std::find_if(c.ari.begin(), c.ari.end(), [&](double a) { return a < o_.threshold; });
    c.censored = fell == c.ari.end();
    c.days_above = double(fell - c.ari.begin()) * o_.step_days;
  }
  r_.interval = Interval(r_.starts);
}

}  // namespace

StatusOr<SimulateResult> Simulate(const std::vector<TimedEvent>& events,
                                  const SimulateOptions& options) {
  return RetrainingStudy(events, options).Run();
}

}  // namespace segd
