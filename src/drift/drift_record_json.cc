#include "drift/drift_record_json.h"

#include <cmath>

#include "segd/event/event_time.h"

namespace segd {
namespace {

using nlohmann::json;

DriftSeverity SeverityFromName(const std::string& name) {
  if (name == "critical") return DriftSeverity::kCritical;
  return name == "warning" ? DriftSeverity::kWarning : DriftSeverity::kNone;
}

int64_t TimeFrom(const json& j, const char* key) {
  auto t = ParseRfc3339Ms(j.at(key).get<std::string>());
  if (!t) throw std::invalid_argument(std::string(key) + " is not RFC 3339");
  return *t;
}

}  // namespace

json DriftRecordJson(const DriftRecord& r) {
  json j = {{"as_of", FormatRfc3339(r.as_of_ms)},
            {"evaluated_at", FormatRfc3339(r.evaluated_unix_ms)},
            {"schedule", DriftScheduleName(r.schedule)},
            {"baseline_version", r.baseline_version},
            {"customers", r.customers},
            {"live_updates", r.live_updates},
            {"ari", {{"online", r.ari_online}, {"refit", nullptr}}},
            {"psi", r.psi},
            {"policy",
             {{"method", r.method},
              {"retrain_recommended", r.policy.recommended},
              {"severity", DriftSeverityName(r.policy.severity)},
              {"below_streak", r.policy.below},
              {"above_streak", r.policy.above},
              {"detector", r.detector},
              {"statistic", std::isfinite(r.statistic) ? json(r.statistic) : json(nullptr)},
              {"limit", std::isfinite(r.limit) ? json(r.limit) : json(nullptr)},
              {"calibrating", r.calibrating},
              {"reason", r.reason},
              {"state", r.detector_state}}},
            {"features", r.features},
            {"segments", json::array()},
            {"migration", r.migration},
            {"seconds", r.seconds}};
  if (r.ari_refit) j["ari"]["refit"] = *r.ari_refit;
  for (size_t c = 0; c < r.segment_names.size(); ++c) {
    json shift = json::object();
    for (size_t f = 0; f < r.features.size() && c < r.centroid_shift.size(); ++f) {
      shift[r.features[f]] = r.centroid_shift[c][f];
    }
    j["segments"].push_back({{"id", c},
                             {"name", r.segment_names[c]},
                             {"share_baseline", r.share_baseline.at(c)},
                             {"share_live", r.share_live.at(c)},
                             {"centroid_shift", std::move(shift)}});
  }
  return j;
}

StatusOr<DriftRecord> ParseDriftRecord(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return DataLoss("drift record is not JSON");
  try {
    DriftRecord r;
    r.as_of_ms = TimeFrom(j, "as_of");
    r.evaluated_unix_ms = TimeFrom(j, "evaluated_at");
    r.schedule =
        j.at("schedule") == "wall_clock" ? DriftSchedule::kWallClock : DriftSchedule::kEventTime;
    r.baseline_version = j.at("baseline_version");
    r.customers = j.at("customers");
    r.live_updates = j.at("live_updates");
    r.ari_online = j.at("ari").at("online");
    if (!j.at("ari").at("refit").is_null()) r.ari_refit = j.at("ari").at("refit").get<double>();
    r.psi = j.at("psi");
    const json& p = j.at("policy");
    r.method = p.at("method");
    r.policy = {.recommended = p.at("retrain_recommended"),
                .severity = SeverityFromName(p.at("severity")),
                .below = p.at("below_streak"),
                .above = p.at("above_streak")};
    r.detector = p.value("detector", "");
    const auto number = [&p](const char* key) {
      return p.contains(key) && p[key].is_number() ? p[key].get<double>() : std::nan("");
    };
    r.statistic = number("statistic");
    r.limit = number("limit");
    r.calibrating = p.value("calibrating", false);
    r.reason = p.value("reason", "");
    r.detector_state = p.value("state", "");
    r.features = j.at("features").get<std::vector<std::string>>();
    r.migration = j.at("migration").get<std::vector<std::vector<uint64_t>>>();
    r.seconds = j.at("seconds");
    for (const json& s : j.at("segments")) {
      r.segment_names.push_back(s.at("name"));
      r.share_baseline.push_back(s.at("share_baseline"));
      r.share_live.push_back(s.at("share_live"));
      std::vector<double>& shift = r.centroid_shift.emplace_back();
      for (const std::string& f : r.features) shift.push_back(s.at("centroid_shift").at(f));
    }
    return r;
  } catch (const std::exception& e) {
    return DataLoss(std::string("drift record: ") + e.what());
  }
}

}  // namespace segd
