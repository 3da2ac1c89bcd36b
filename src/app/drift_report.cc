#include "app/drift_report.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "drift/drift_record_json.h"
#include "segd/event/event_time.h"

namespace segd {
namespace {

std::string Joined(const std::vector<double>& values) {
  std::string out;
  char buf[32];
  for (double v : values) {
    std::snprintf(buf, sizeof(buf), "%s%.6f", out.empty() ? "" : ";", v);
    out += buf;
  }
  return out;
}

// A number, or an empty field for NaN (a detector still calibrating has no figure).
std::string Number(double v) {
  if (std::isnan(v)) return "";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6f", v);
  return buf;
}

// RFC 4180: quoted, inner quotes doubled (reasons hold commas and segment names).
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void PrintCsvRow(const DriftRecord& r) {
  std::printf("%s,%s,%s,%llu,%llu,%.6f,%s,%.6f,%s,%d,%s,%d,%s,%s,%s,%s,%s,%d,%s\n",
              FormatRfc3339(r.as_of_ms).c_str(), FormatRfc3339(r.evaluated_unix_ms).c_str(),
              DriftScheduleName(r.schedule), (unsigned long long)r.baseline_version,
              (unsigned long long)r.customers, r.ari_online,
              r.ari_refit ? std::to_string(*r.ari_refit).c_str() : "", r.psi, r.method.c_str(),
              r.policy.recommended ? 1 : 0, DriftSeverityName(r.policy.severity), r.policy.below,
              Joined(r.share_baseline).c_str(), Joined(r.share_live).c_str(), r.detector.c_str(),
              Number(r.statistic).c_str(), Number(r.limit).c_str(), r.calibrating ? 1 : 0,
              Quoted(r.reason).c_str());
}

}  // namespace

int PrintDriftHistory(const DriftHistory& history, const std::string& format, int64_t from_ms,
                      int64_t to_ms) {
  const bool csv = format == "csv";
  if (csv) {
    std::printf(
        "as_of,evaluated_at,schedule,baseline_version,customers,ari_online,ari_refit,psi,method,"
        "retrain_recommended,severity,below_streak,shares_baseline,shares_live,detector,statistic,"
        "limit,calibrating,reason\n");
  }
  nlohmann::json all = nlohmann::json::array();
  std::string token;
  do {
    auto page = history.Read(from_ms, to_ms, 1000, token);
    if (!page.ok()) {
      std::fprintf(stderr, "segd: cannot read the drift history: %s\n",
                   page.status().ToString().c_str());
      return 1;
    }
    for (const DriftRecord& r : page->records) {
      if (csv) {
        PrintCsvRow(r);
      } else {
        all.push_back(DriftRecordJson(r));
      }
    }
    token = page->next_page_token;
  } while (!token.empty());
  if (!csv) std::printf("%s\n", nlohmann::json{{"evaluations", std::move(all)}}.dump(1).c_str());
  return 0;
}

}  // namespace segd
