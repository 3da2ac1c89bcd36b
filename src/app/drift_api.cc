#include "app/drift_api.h"

#include <map>
#include <nlohmann/json.hpp>

#include "app/drift_chart.h"
#include "app/query_string.h"
#include "drift/drift_record_json.h"
#include "segd/event/event_time.h"

namespace segd {
namespace {

using nlohmann::json;

constexpr size_t kDefaultPageSize = 100, kMaxPageSize = 1000;
constexpr const char* kPageRoute = "/v1/drift";
constexpr const char* kChartRoute = "/v1/drift/chart.svg";

// The range and paging a request asks for; `error` says what is wrong with it.
struct RangeQuery {
  int64_t from_ms = 0, to_ms = INT64_MAX;
  size_t page_size = kDefaultPageSize;
  std::string page_token, error;
};

RangeQuery ParseRange(const HttpRequest& req, bool paged) {
  RangeQuery q;
  for (const auto& [name, value] : ParseQuery(req.query)) {
    if (name == "from" || name == "to") {
      auto t = ParseDayMs(value);
      if (!t) return {.error = name + " must be YYYY-MM-DD or an RFC 3339 time"};
      (name == "from" ? q.from_ms : q.to_ms) = *t;
    } else if (paged && name == "page_size") {
      char* end = nullptr;
      const long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n < 1 || n > long(kMaxPageSize)) {
        return {.error = "page_size must be 1.." + std::to_string(kMaxPageSize)};
      }
      q.page_size = size_t(n);
    } else if (paged && name == "page_token") {
      q.page_token = value;
    } else {
      return {.error = "unknown query parameter '" + name + "'"};
    }
  }
  if (q.from_ms > q.to_ms) q.error = "from must not be after to";
  return q;
}

HttpResponse BadQuery(const std::string& why, const char* route) {
  return ProblemResponse(400, why, route);
}

}  // namespace

DriftApi::DriftApi(const DriftConfig& config, const DriftHistory* history)
    : config_(config), history_(history) {}

std::optional<HttpResponse> DriftApi::Handle(const HttpRequest& req) const {
  if (req.path != kPageRoute && req.path != kChartRoute) return std::nullopt;
  if (req.method != "GET") {
    HttpResponse r = ProblemResponse(405, "use GET", req.path);
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  return req.path == kPageRoute ? Page(req) : Chart(req);
}

HttpResponse DriftApi::Page(const HttpRequest& req) const {
  const RangeQuery q = ParseRange(req, true);
  if (!q.error.empty()) return BadQuery(q.error, kPageRoute);
  auto page = history_->Read(q.from_ms, q.to_ms, q.page_size, q.page_token);
  if (!page.ok()) {
    const bool bad = page.status().code() == StatusCode::kInvalidArgument;
    return ProblemResponse(bad ? 400 : 500, page.status().message(), kPageRoute);
  }
  json evaluations = json::array();
  for (const DriftRecord& r : page->records) evaluations.push_back(DriftRecordJson(r));
  json body = {
      {"evaluations", std::move(evaluations)},
      {"next_page_token",
       page->next_page_token.empty() ? json(nullptr) : json(page->next_page_token)},
      {"schedule",
       {{"every_event_days", config_.every_event_days}, {"every_seconds", config_.every_seconds}}},
      {"threshold", config_.threshold},
      {"critical", config_.critical}};
  return {.body = body.dump(-1, ' ', false, json::error_handler_t::replace), .route = kPageRoute};
}

HttpResponse DriftApi::Chart(const HttpRequest& req) const {
  const RangeQuery q = ParseRange(req, false);
  if (!q.error.empty()) return BadQuery(q.error, kChartRoute);
  std::vector<DriftRecord> records;
  std::string token;
  do {
    auto page = history_->Read(q.from_ms, q.to_ms, kMaxPageSize, token);
    if (!page.ok()) return ProblemResponse(500, page.status().message(), kChartRoute);
    records.insert(records.end(), page->records.begin(), page->records.end());
    token = page->next_page_token;
  } while (!token.empty());
  return {.content_type = "image/svg+xml",
          .body = DriftHistorySvg(records, config_.threshold, config_.critical),
          .route = kChartRoute};
}

}  // namespace segd
