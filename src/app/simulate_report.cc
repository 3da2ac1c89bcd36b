#include "app/simulate_report.h"

#include <cstdio>

#include "segd/event/event_time.h"

namespace segd {
namespace {

std::string Format(const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof(buf), fmt, args...);
  return buf;
}

std::string FirstBelow(const SimulateResult& r, const std::optional<int64_t>& when) {
  if (!when) return "never";
  return FormatDay(*when) +
         Format(" (%.0f days after t0)", double(*when - r.start_ms) / kMillisPerDay);
}

std::string Crossings(const SimulateResult& r, double threshold, double critical) {
  return Format("first ARI below %.2f (retrain due): refit %s, online %s\n", threshold,
                FirstBelow(r, r.refit_below_threshold_ms).c_str(),
                FirstBelow(r, r.online_below_threshold_ms).c_str()) +
         Format("first ARI below %.2f (critical):    refit %s, online %s\n", critical,
                FirstBelow(r, r.refit_below_critical_ms).c_str(),
                FirstBelow(r, r.online_below_critical_ms).c_str());
}

std::string FirstAlert(const SimulateResult& r, const std::optional<int64_t>& when, int raised) {
  if (!when) return "never";
  return FirstBelow(r, when) + Format(", raised %d time%s", raised, raised == 1 ? "" : "s");
}

std::string Alerts(const SimulateResult& r, double threshold) {
  const DetectorAlerts& a = r.alerts;
  std::string out = Format("drift detector (%s): first alert %s\n", r.detector_method.c_str(),
                           FirstAlert(r, a.detector_ms, a.detector_raised).c_str());
  if (!a.detector_reason.empty()) out += "  " + a.detector_reason + "\n";
  return out + Format(
                   "study rule (ARI < %.2f, consecutive): online %s; refit %s\n"
                   "PSI alone: %s\n",
                   threshold, FirstAlert(r, a.ari_online_ms, a.ari_online_raised).c_str(),
                   FirstAlert(r, a.ari_refit_ms, a.ari_refit_raised).c_str(),
                   FirstAlert(r, a.psi_ms, a.psi_raised).c_str());
}

std::string Recommendation(const SimulateResult& r, double threshold) {
  const RetrainInterval& in = r.interval;
  if (in.starts == 0) return "";
  const std::string starts = Format(
      "%d start date%s %s .. %s", in.starts, in.starts == 1 ? "" : "s",
      FormatDay(r.starts.front().start_ms).c_str(), FormatDay(r.starts.back().start_ms).c_str());
  if (in.censored == in.starts) {
    return Format(
        "recommended retraining interval: none within the history (refit ARI stayed >= %.2f "
        "from each of the %s, for at least %.0f days)\n",
        threshold, starts.c_str(), in.min_days);
  }
  if (in.median_days == 0) {
    return Format(
        "recommended retraining interval: less than one step (%.0f days): refit ARI fell below "
        "%.2f within a step from most of the %s; rerun with a shorter --step-days\n",
        r.step_days, threshold, starts.c_str());
  }
  return Format(
      "recommended retraining interval: every %s%.0f days (how long refit ARI stayed >= %.2f: "
      "median over %s; min %.0f, max %.0f days; %d of them never fell below it)\n",
      in.median_is_lower_bound ? "at least " : "", in.median_days, threshold, starts.c_str(),
      in.min_days, in.max_days, in.censored);
}

}  // namespace

std::string SimulateCsv(const SimulateResult& r) {
  std::string out =
      "time,customers,ari_refit,ari_online,silhouette_m0,silhouette_refit,silhouette_online";
  for (const char* model : {"m0", "refit", "online"}) {
    for (int s = 0; s < r.k; ++s) out += Format(",share_%s_%d", model, s);
  }
  out +=
      ",detector_alert,ari_online_alert,ari_refit_alert,psi_alert,psi_online,detector_statistic,"
      "detector_limit,active_customers\n";
  for (const SimulateStep& s : r.steps) {
    out += FormatDay(s.time_ms) + Format(",%llu,%.6f,%.6f,%.6f,%.6f,%.6f",
                                         (unsigned long long)s.customers, s.ari_refit, s.ari_online,
                                         s.silhouette_m0, s.silhouette_refit, s.silhouette_online);
    for (const auto* shares : {&s.share_m0, &s.share_refit, &s.share_online}) {
      for (double v : *shares) out += Format(",%.6f", v);
    }
    const DriftVerdict& v = s.detector;
    out += Format(",%d,%d,%d,%d,%.6f,%.6f,%.6f,%llu\n", int(v.alert), int(s.alert_ari_online),
                  int(s.alert_ari_refit), int(s.alert_psi), v.psi, v.statistic, v.limit,
                  (unsigned long long)v.active_customers);
  }
  return out;
}

std::string SimulateReport(const SimulateResult& r, double threshold, double critical) {
  std::string out = Format(
      "segd simulate: %llu events (%llu dead-lettered); M0 fitted %s on %llu customers, k=%d; "
      "%zu steps of %.0f days\n",
      (unsigned long long)r.events, (unsigned long long)r.rejected, FormatDay(r.start_ms).c_str(),
      (unsigned long long)r.c0_customers, r.k, r.steps.size(), r.step_days);
  out += Crossings(r, threshold, critical);
  out += Alerts(r, threshold);
  if (!r.steps.empty()) {
    const SimulateStep& s = r.steps.back();
    out += Format(
        "last step %s: %llu customers; ARI refit %.3f, online %.3f; silhouette M0 %.3f, refit "
        "%.3f, online %.3f\n",
        FormatDay(s.time_ms).c_str(), (unsigned long long)s.customers, s.ari_refit, s.ari_online,
        s.silhouette_m0, s.silhouette_refit, s.silhouette_online);
  }
  return out + Recommendation(r, threshold);
}

}  // namespace segd
