#include "api/status_api.h"

#include <nlohmann/json.hpp>

#include "api/status_page.h"
#include "segd/build_info.h"
#include "segd/event/event_time.h"

namespace segd {
namespace {

using nlohmann::json;

constexpr const char* kPageRoute = "/";
constexpr const char* kStatusRoute = "/v1/status";

json Rfc3339OrNull(int64_t ms) { return ms > 0 ? json(FormatRfc3339(ms)) : json(nullptr); }

json IngestJson(const IngestStats& s) {
  uint64_t retrains = 0;
  for (const auto& n : s.retrains) retrains += n.load();
  return {{"messages", s.messages.load()},    {"applied", s.applied()},
          {"duplicates", s.duplicates()},     {"rejected", s.rejected_total()},
          {"stale", s.stale_messages.load()}, {"batches", s.batches.load()},
          {"customers", s.customers.load()},  {"retrains", retrains}};
}

// The total is null until some partition's end offset was measured: unknown is not zero.
json LagJson(const std::vector<PartitionLag>& lag) {
  json partitions = json::array();
  int64_t total = 0;
  for (const PartitionLag& l : lag) {
    partitions.push_back(
        {{"topic", l.topic}, {"partition", l.partition}, {"messages", l.messages}});
    total += l.messages;
  }
  return {{"messages", lag.empty() ? json(nullptr) : json(total)},
          {"partitions", std::move(partitions)}};
}

json ClusterJson(const std::vector<MemberRecord>& members) {
  json list = json::array();
  uint64_t customers = 0;
  for (const MemberRecord& m : members) {
    list.push_back({{"member_id", m.member_id},
                    {"url", m.url},
                    {"partitions", m.partitions.size()},
                    {"customers", m.customers},
                    {"watermark", Rfc3339OrNull(m.watermark_ms)},
                    {"heartbeat_at", Rfc3339OrNull(m.sent_ms)}});
    customers += m.customers;
  }
  return {{"customers", customers}, {"members", std::move(list)}};
}

}  // namespace

StatusApi::StatusApi(const SegdConfig& config, StatusSources sources)
    : group_id_(config.kafka.group_id),
      topics_(config.kafka.topics),
      sources_(std::move(sources)) {}

std::optional<HttpResponse> StatusApi::Handle(const HttpRequest& req) const {
  if (req.path != kPageRoute && req.path != kStatusRoute) return std::nullopt;
  if (req.method != "GET") {
    HttpResponse r = ProblemResponse(405, "use GET", req.path);
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  if (req.path == kStatusRoute) return Status();
  // The page is a constant; its data comes from the JSON endpoints, which are never cached.
  return HttpResponse{.content_type = "text/html; charset=utf-8",
                      .body = std::string(StatusPageHtml()),
                      .headers = {{"Cache-Control", "no-cache"}},
                      .route = kPageRoute};
}

HttpResponse StatusApi::Status() const {
  const std::string why = sources_.not_ready_reason();
  json body = {{"version", kVersion},
               {"group_id", group_id_},
               {"topics", topics_},
               {"ready", why.empty()},
               {"not_ready_reason", why.empty() ? json(nullptr) : json(why)},
               {"watermark", Rfc3339OrNull(sources_.watermark())},
               {"ingest", IngestJson(*sources_.stats)},
               {"lag", LagJson(sources_.lag ? sources_.lag() : std::vector<PartitionLag>{})},
               {"cluster", sources_.members ? ClusterJson(sources_.members()) : json(nullptr)}};
  return {.body = body.dump(-1, ' ', false, json::error_handler_t::replace),
          .headers = {{"Cache-Control", "no-store"}},
          .route = kStatusRoute};
}

}  // namespace segd
