#include "app/drift_report.h"

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

void PrintCsvRow(const DriftRecord& r) {
  std::printf("%s,%s,%s,%llu,%llu,%.6f,%s,%.6f,%s,%d,%s,%d,%s,%s\n",
              FormatRfc3339(r.as_of_ms).c_str(), FormatRfc3339(r.evaluated_unix_ms).c_str(),
              DriftScheduleName(r.schedule), (unsigned long long)r.baseline_version,
              (unsigned long long)r.customers, r.ari_online,
              r.ari_refit ? std::to_string(*r.ari_refit).c_str() : "", r.psi, r.method.c_str(),
              r.policy.recommended ? 1 : 0, DriftSeverityName(r.policy.severity), r.policy.below,
              Joined(r.share_baseline).c_str(), Joined(r.share_live).c_str());
}

}  // namespace

int PrintDriftHistory(const DriftHistory& history, const std::string& format, int64_t from_ms,
                      int64_t to_ms) {
  const bool csv = format == "csv";
  if (csv) {
    std::printf(
        "as_of,evaluated_at,schedule,baseline_version,customers,ari_online,ari_refit,psi,method,"
        "retrain_recommended,severity,below_streak,shares_baseline,shares_live\n");
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
