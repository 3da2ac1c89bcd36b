// Why this statistic (issue 13; the figures are in README "Drift detectors"). The online ARI
// sits below 1 without any change by an amount that depends on the data and the live options,
// and the live model has failure modes of its own: on a stationary generated history a segment
// that receives almost no customers (the lapsed one) keeps a decayed count near zero, so one
// odd customer moves its centre by more than 1 sd, and the online ARI fell from 0.98 to 0.67
// for five months. The refit ARI reacts to the population ageing (it falls below 0.8 within
// three months on every stationary history). Which segments of the frozen baseline today's
// buyers fall in depends on neither: it moves when buying behaviour moves, and ageing only
// changes who is old, not who buys. Its noise is that of a multinomial sample of the active
// customers, so the limit follows from their count (PSI ~ chi-square / n for small changes).
#include "segd/model/drift_detector.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "segd/model/contingency_table.h"

namespace segd {
namespace {

constexpr uint8_t kStateLayout = 1;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), fmt, args...);
  return buf;
}

uint64_t Sum(const std::vector<uint64_t>& v) {
  uint64_t total = 0;
  for (uint64_t n : v) total += n;
  return total;
}

}  // namespace

double ChiSquareBound(int dof, double z) {
  const double k = std::max(1, dof), a = 2.0 / (9.0 * k);
  return k * std::pow(1.0 - a + z * std::sqrt(a), 3);
}

const char* DetectorMethodName(DetectorMethod method) {
  constexpr const char* kNames[] = {"calibrated", "ari_threshold", "psi"};
  return kNames[static_cast<int>(method)];
}

StatusOr<DetectorMethod> ParseDetectorMethod(const std::string& name) {
  for (int i = 0; i <= static_cast<int>(DetectorMethod::kPsi); ++i) {
    if (name == DetectorMethodName(DetectorMethod(i))) return DetectorMethod(i);
  }
  return InvalidArgument("detector '" + name + "' is not calibrated, ari_threshold or psi");
}

DriftDetector::DriftDetector(DetectorOptions options, const BaselineModel& baseline)
    : options_(options), baseline_(baseline), reference_(size_t(baseline.k()), 0) {}

DriftVerdict DriftDetector::Observe(const DriftObservation& o) {
  assert(o.online != nullptr);
  ++observations_;
  DriftVerdict v;
  switch (options_.method) {
    case DetectorMethod::kCalibrated:
      v = Calibrated(o);
      break;
    case DetectorMethod::kAriThreshold:
      v = AriThreshold(o);
      break;
    case DetectorMethod::kPsi:
      v = Psi(o);
      break;
  }
  v.ari = o.online->ari;
  v.psi = o.online->psi;
  v.active_customers = Sum(o.online->active_sizes);
  Explain(o, &v);
  return v;
}

DriftVerdict DriftDetector::Calibrated(const DriftObservation& o) {
  DriftVerdict v;
  const std::vector<uint64_t>& now = o.online->active_sizes;
  if (now.size() != reference_.size()) {  // a report without active counts: nothing to judge
    v.statistic = v.limit = kNaN;
    v.alert = alert_;
    v.reason = "the evaluation has no active-customer counts";
    return v;
  }
  if (observations_ <= std::max(1, options_.calibration_evaluations)) {
    for (size_t c = 0; c < now.size(); ++c) reference_[c] += now[c];
    v.calibrating = true;
    v.statistic = v.limit = kNaN;
    v.reason = Format("calibrating (%lld of %d evaluations): %llu active customers",
                      static_cast<long long>(observations_), options_.calibration_evaluations,
                      static_cast<unsigned long long>(Sum(now)));
    return v;
  }
  const uint64_t n = Sum(now), n_ref = Sum(reference_);
  v.statistic = PopulationStabilityIndex(SharesOf(reference_), SharesOf(now));
  const double noise = n == 0 || n_ref == 0
                           ? std::numeric_limits<double>::infinity()
                           : ChiSquareBound(int(now.size()) - 1, options_.noise_z) *
                                 (1.0 / double(n) + 1.0 / double(n_ref));
  v.limit = std::max(options_.min_psi, noise);
  v.evidence = v.statistic >= v.limit;
  Track(!v.evidence, options_.consecutive, &v);
  v.severity = !v.alert                               ? DriftSeverity::kNone
               : v.statistic >= options_.psi_critical ? DriftSeverity::kCritical
                                                      : DriftSeverity::kWarning;
  v.reason =
      Format("active customers' segment PSI %.3f %s limit %.3f (%llu customers in %.0f days)",
             v.statistic, v.evidence ? "above" : "within", v.limit,
             static_cast<unsigned long long>(n), o.online->active_days);
  return v;
}

DriftVerdict DriftDetector::AriThreshold(const DriftObservation& o) {
  DriftVerdict v;
  const RetrainPolicyOptions& r = options_.ari_rule;
  const DriftReport* report = options_.ari_refit ? o.refit : o.online;
  v.limit = r.threshold;
  if (report == nullptr) {  // no refit at this evaluation: the rule's state stands
    v.statistic = kNaN;
    v.alert = alert_;
    v.streak = streak_;
    v.severity = alert_ ? DriftSeverity::kWarning : DriftSeverity::kNone;
    v.reason = "no refit at this evaluation";
    return v;
  }
  v.statistic = report->ari;
  v.evidence = v.statistic < r.threshold;
  Track(v.statistic >= r.threshold + r.hysteresis, r.consecutive, &v);
  v.severity = !v.alert                   ? DriftSeverity::kNone
               : v.statistic < r.critical ? DriftSeverity::kCritical
                                          : DriftSeverity::kWarning;
  v.reason = Format("%s ARI %.3f %s %.2f", options_.ari_refit ? "refit" : "online", v.statistic,
                    v.evidence ? "below" : "at or above", r.threshold);
  return v;
}

DriftVerdict DriftDetector::Psi(const DriftObservation& o) {
  DriftVerdict v;
  v.statistic = o.online->psi;
  v.limit = options_.psi_warning;
  v.evidence = v.statistic >= options_.psi_warning;
  Track(!v.evidence, options_.consecutive, &v);
  v.severity = !v.alert                               ? DriftSeverity::kNone
               : v.statistic >= options_.psi_critical ? DriftSeverity::kCritical
                                                      : DriftSeverity::kWarning;
  v.reason = Format("PSI of segment shares %.3f (%s)", v.statistic,
                    v.statistic >= options_.psi_critical  ? "significant"
                    : v.statistic >= options_.psi_warning ? "moderate"
                                                          : "stable");
  return v;
}

void DriftDetector::Track(bool quiet, int consecutive, DriftVerdict* v) {
  const int m = std::max(1, consecutive);
  streak_ = v->evidence ? streak_ + 1 : 0;
  quiet_ = quiet ? quiet_ + 1 : 0;
  const bool was = alert_;
  if (!alert_ && streak_ >= m) alert_ = true;
  if (alert_ && quiet_ >= m) alert_ = false;
  v->alert = alert_;
  v->raised = alert_ && !was;
  v->streak = streak_;
}

void DriftDetector::Explain(const DriftObservation& o, DriftVerdict* v) const {
  const bool active = options_.method == DetectorMethod::kCalibrated &&
                      o.online->active_sizes.size() == reference_.size() && !v->calibrating;
  v->segments =
      active ? SegmentChanges(baseline_, SharesOf(reference_), SharesOf(o.online->active_sizes))
             : SegmentChanges(baseline_, *o.online);
  if (o.centroids) v->moves = FeatureMoves(baseline_, *o.centroids, options_.report_min_sd);
  if (v->alert) {
    v->reason += std::string(active ? "; among active customers " : "; ") +
                 DescribeChanges(v->segments, v->moves);
  }
}

// Layout v1, little-endian: u8 1 | i64 observations | u32 k | k x u64 reference | i32 streak |
// i32 quiet | u8 alert.
std::string DriftDetector::Encode() const {
  std::string out;
  auto put = [&](auto v) { out.append(reinterpret_cast<const char*>(&v), sizeof(v)); };
  put(kStateLayout);
  put(observations_);
  put(uint32_t(reference_.size()));
  for (uint64_t n : reference_) put(n);
  put(int32_t(streak_));
  put(int32_t(quiet_));
  put(uint8_t(alert_));
  return out;
}

Status DriftDetector::Restore(std::string_view in) {
  const size_t k = reference_.size();
  if (in.size() != 1 + 8 + 4 + 8 * k + 4 + 4 + 1 || uint8_t(in[0]) != kStateLayout) {
    return DataLoss("drift detector state: unknown layout or another k");
  }
  const char* p = in.data() + 1;
  auto get = [&](auto* v) {
    std::memcpy(v, p, sizeof(*v));
    p += sizeof(*v);
  };
  uint32_t stored_k;
  int32_t streak, quiet;
  uint8_t alert;
  int64_t observations;
  get(&observations);
  get(&stored_k);
  if (stored_k != k) return DataLoss("drift detector state: another k");
  std::vector<uint64_t> reference(k);
  for (uint64_t& n : reference) get(&n);
  get(&streak);
  get(&quiet);
  get(&alert);
  observations_ = observations;
  reference_ = std::move(reference);
  streak_ = streak;
  quiet_ = quiet;
  alert_ = alert != 0;
  return Status::Ok();
}

}  // namespace segd
