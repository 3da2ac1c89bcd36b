#include "app/api.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <map>
#include <nlohmann/json.hpp>

#include "app/customer_json.h"
#include "segd/event/event_time.h"
#include "segd/model/baseline_trainer.h"

namespace segd {
namespace {

using nlohmann::json;

constexpr size_t kMaxIdBytes = 128;

HttpResponse Json(const json& body, std::string route, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.route = std::move(route);
  return r;
}

// A lookup nobody can answer right now (a rebalance, a catch-up): never a wrong 404.
HttpResponse Unavailable(const std::string& why, const std::string& route) {
  HttpResponse r = ProblemResponse(503, why, route);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

HttpResponse Unauthorized(const std::string& route) {
  HttpResponse r = ProblemResponse(401, "a valid bearer token is required", route);
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

HttpResponse NotAllowed(const std::string& route, const char* allow) {
  HttpResponse r = ProblemResponse(405, std::string("use ") + allow, route);
  r.headers.emplace_back("Allow", allow);
  return r;
}

bool ValidId(const std::string& id) {
  return !id.empty() && id.size() <= kMaxIdBytes && id.find('/') == std::string::npos;
}

json Rfc3339OrNull(int64_t ms) { return ms > 0 ? json(FormatRfc3339(ms)) : json(nullptr); }

// The JSON of a number that may be NaN (no drift evaluation yet): null instead.
json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json FeatureSpecJson(const FeatureSpec& spec) {
  json features = json::array();
  for (const FeatureDef& f : spec.features) {
    json j = {{"name", FeatureKindName(f.kind)},
              {"transform", FeatureTransformName(f.transform)},
              {"weight", f.weight}};
    if (std::isfinite(f.clip_min)) j["clip_min"] = f.clip_min;
    if (std::isfinite(f.clip_max)) j["clip_max"] = f.clip_max;
    features.push_back(std::move(j));
  }
  return features;
}

json CentroidJson(const FeatureSpec& spec, const std::vector<double>& original) {
  json c = json::object();
  for (size_t j = 0; j < spec.features.size(); ++j) {
    c[FeatureKindName(spec.features[j].kind)] = original[j];
  }
  return c;
}

}  // namespace

bool ConstantTimeEquals(const std::string& given, const std::string& expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  }
  return diff == 0;
}

Api::Api(const SegdConfig& config, ApiSources sources)
    : config_(config),
      sources_(std::move(sources)),
      status_api_(config_, {.stats = sources_.stats,
                            .not_ready_reason = [this] { return NotReadyReason(); },
                            .watermark = [this] { return Watermark(); },
                            .lag = sources_.lag,
                            .members = sources_.members}) {
  if (sources_.drift_history) drift_api_.emplace(config_.drift, sources_.drift_history);
  audience_api_ = std::make_unique<AudienceApi>(
      config_.http, AudienceSources{.store = sources_.store,
                                    .pipeline = sources_.pipeline,
                                    .watermark = [this] { return Watermark(); },
                                    .own_partitions = sources_.own_partitions,
                                    .partition_of = sources_.partition_of,
                                    .restoring = sources_.restoring});
}

const std::set<std::string>& ApiRouteLabels() {
  static const std::set<std::string> labels = {"other",
                                               "/",
                                               "/livez",
                                               "/readyz",
                                               "/metrics",
                                               "/v1/status",
                                               "/v1/customers/{id}",
                                               "/v1/customers:batchGet",
                                               "/v1/segments",
                                               "/v1/segments/{id}/customers",
                                               "/v1/model",
                                               "/v1/drift",
                                               "/v1/drift/chart.svg",
                                               "/v1/admin/retrain",
                                               "/v1/admin/backup",
                                               "/v1/cluster/rows",
                                               "/v1/cluster/drift-table"};
  return labels;
}

HttpResponse Api::Handle(const HttpRequest& req) const {
  const std::string& p = req.path;
  const bool get = req.method == "GET", post = req.method == "POST";
  if (p == "/livez") {
    if (!get) return NotAllowed(p, "GET");
    HttpResponse r{.content_type = "text/plain", .body = "ok\n", .route = p};
    return r;
  }
  if (p == "/readyz") return get ? Readyz() : NotAllowed(p, "GET");
  if (p == "/metrics") {
    if (!get) return NotAllowed(p, "GET");
    return {.content_type = "text/plain; version=0.0.4; charset=utf-8",
            .body = sources_.metrics(),
            .route = p};
  }
  if (p == "/v1/customers:batchGet") {
    return post ? BatchGet(req) : NotAllowed(p, "POST");
  }
  if (p.starts_with("/v1/customers/")) {
    const std::string route = "/v1/customers/{id}";
    if (!get) return NotAllowed(route, "GET");
    const std::string id = p.substr(std::strlen("/v1/customers/"));
    if (!ValidId(id)) return ProblemResponse(400, "customer id must be 1..128 bytes", route);
    return Customer(id, req);
  }
  if (p == "/v1/segments") return get ? Segments() : NotAllowed(p, "GET");
  if (auto r = audience_api_->Handle(req)) return std::move(*r);
  if (p == "/v1/model") return get ? Model() : NotAllowed(p, "GET");
  if (drift_api_) {
    if (auto r = drift_api_->Handle(req)) return std::move(*r);
  }
  if (auto r = status_api_.Handle(req)) return std::move(*r);
  if (p == "/v1/cluster/rows" && sources_.cluster_rows) {
    return post ? sources_.cluster_rows(req) : NotAllowed(p, "POST");
  }
  if (p == "/v1/cluster/drift-table" && sources_.cluster_drift_table) {
    return post ? sources_.cluster_drift_table(req) : NotAllowed(p, "POST");
  }
  if (p == "/v1/admin/retrain") {
    // Without a configured token the admin endpoints do not exist.
    if (config_.http.admin_token.empty()) return ProblemResponse(404, "no such resource");
    return post ? Retrain(req) : NotAllowed(p, "POST");
  }
  if (p == "/v1/admin/backup") {
    if (config_.http.admin_token.empty() || !sources_.admin_backup) {
      return ProblemResponse(404, "no such resource");
    }
    if (!post) return NotAllowed(p, "POST");
    return Authorized(req) ? sources_.admin_backup(req) : Unauthorized(p);
  }
  return ProblemResponse(404, "no such resource");
}

std::string Api::NotReadyReason() const {
  std::string why = sources_.not_ready_reason ? sources_.not_ready_reason() : "";
  auto live = sources_.pipeline->live_snapshot();
  if (why.empty() && (!live || !live->baseline)) {
    why = config_.model.bootstrap_min_customers > 0
              ? "no baseline yet: fitted at " +
                    std::to_string(config_.model.bootstrap_min_customers) + " customers"
              : "no baseline yet: run segd train or POST /v1/admin/retrain";
  }
  return why;
}

HttpResponse Api::Readyz() const {
  const std::string why = NotReadyReason();
  if (why.empty()) return {.content_type = "text/plain", .body = "ready\n", .route = "/readyz"};
  HttpResponse r = ProblemResponse(503, why, "/readyz");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

std::optional<std::string> Api::Restoring(std::string_view id) const {
  if (!sources_.restoring) return std::nullopt;
  const std::vector<int32_t> restoring = sources_.restoring();
  if (restoring.empty()) return std::nullopt;
  const std::optional<int32_t> p = sources_.partition_of ? sources_.partition_of(id) : std::nullopt;
  if (!p) return "partitions are being restored from the changelog";
  if (std::find(restoring.begin(), restoring.end(), *p) == restoring.end()) return std::nullopt;
  return "partition " + std::to_string(*p) + " is being restored from the changelog";
}

HttpResponse Api::Customer(const std::string& id, const HttpRequest& req) const {
  const std::string route = "/v1/customers/{id}";
  if (auto why = Restoring(id)) return Unavailable(*why, route);
  if (sources_.locator) {
    const CustomerRoute where = sources_.locator->Locate(id);
    if (where.kind == CustomerRoute::Kind::kUnavailable) {
      // Nobody is known to own the partition: a member that serves the customer in its own
      // view answers (200 or 404); if none does, 503.
      if (req.forwarded.empty()) {
        for (const std::string& url : where.ask) {
          auto r = sources_.forward({.base_url = url,
                                     .method = "GET",
                                     .target = "/v1/customers/" + PercentEncodePathSegment(id),
                                     .headers = {{kForwardedHeader, "1"}},
                                     .timeout_ms = config_.cluster.forward_timeout_ms});
          if (r.ok() && (r->status == 200 || r->status == 404)) {
            sources_.locator->CountForwarded();
            r->route = route;
            return std::move(*r);
          }
        }
      }
      return Unavailable(where.reason, route);
    }
    if (where.kind == CustomerRoute::Kind::kForward) {
      if (!req.forwarded.empty()) return Unavailable("the owner moved: retry", route);
      return Forward(where.url, "GET", "/v1/customers/" + PercentEncodePathSegment(id), "", route);
    }
  }
  std::vector<std::optional<CustomerRecord>> out;
  if (Status s = sources_.store->GetRecords({id}, &out); !s.ok()) {
    return ProblemResponse(500, s.ToString(), route);
  }
  if (!out[0]) return ProblemResponse(404, "no customer with this id", route);
  const auto live = sources_.pipeline->live_snapshot();
  return Json(CustomerJson(id, out[0]->state, live.get(), Watermark(), &out[0]->announced), route);
}

HttpResponse Api::BatchGet(const HttpRequest& req) const {
  const std::string route = "/v1/customers:batchGet";
  const json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return ProblemResponse(400, "body is not valid JSON", route);
  if (!body.is_object() || !body.contains("ids") || !body["ids"].is_array()) {
    return ProblemResponse(400, R"(body must be {"ids": ["customer id", ...]})", route);
  }
  const json& ids = body["ids"];
  if (ids.size() > size_t(config_.http.max_batch_ids)) {
    return ProblemResponse(
        400, "at most " + std::to_string(config_.http.max_batch_ids) + " ids per request", route);
  }
  std::vector<std::string> owned;
  owned.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i].is_string() || !ValidId(ids[i].get_ref<const std::string&>())) {
      return ProblemResponse(400, "ids[" + std::to_string(i) + "] must be a 1..128 byte string",
                             route);
    }
    owned.push_back(ids[i].get<std::string>());
  }
  for (const std::string& id : owned) {
    if (auto why = Restoring(id)) return Unavailable(*why, route);
  }
  BatchRoutes routes;
  if (sources_.locator) {
    routes = SplitByOwner(owned, *sources_.locator);
    if (!routes.unavailable.empty()) return Unavailable(routes.unavailable_reason, route);
    if (!routes.forward.empty() && !req.forwarded.empty()) {
      return Unavailable("the owner moved: retry", route);
    }
  } else {
    for (size_t i = 0; i < owned.size(); ++i) routes.local.push_back(i);
  }
  // Answers by customer id: from this instance's store, then from each owner's.
  std::map<std::string, json> answers;
  std::vector<std::string_view> views;
  for (size_t i : routes.local) views.push_back(owned[i]);
  std::vector<std::optional<CustomerRecord>> found;
  if (Status s = sources_.store->GetRecords(views, &found); !s.ok()) {  // one MultiGet
    return ProblemResponse(500, s.ToString(), route);
  }
  const auto live = sources_.pipeline->live_snapshot();
  const int64_t watermark = Watermark();
  for (size_t j = 0; j < views.size(); ++j) {
    if (found[j]) {
      answers[std::string(views[j])] = CustomerJson(std::string(views[j]), found[j]->state,
                                                    live.get(), watermark, &found[j]->announced);
    }
  }
  // One request per owner, all in flight at once: the slowest owner sets the latency.
  std::vector<std::pair<std::string, std::future<HttpResponse>>> parts;
  for (const auto& [url, indices] : routes.forward) {
    json sub = {{"ids", json::array()}};
    for (size_t i : indices) sub["ids"].push_back(owned[i]);
    // By value: clang (the fuzz build) does not capture structured bindings.
    parts.emplace_back(
        url, std::async(std::launch::async, [this, owner = url, body = sub.dump(), route] {
          return Forward(owner, "POST", "/v1/customers:batchGet", body, route);
        }));
  }
  for (auto& [url, pending] : parts) {
    HttpResponse r = pending.get();
    if (r.status != 200) return r;
    const json part = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (!part.is_object() || !part.contains("results") || !part["results"].is_array()) {
      return Unavailable("unexpected answer from " + url, route);
    }
    for (const json& c : part["results"]) {
      if (c.contains("customer_id") && c["customer_id"].is_string()) {
        answers[c["customer_id"].get<std::string>()] = c;
      }
    }
  }
  json results = json::array(), not_found = json::array();
  for (const std::string& id : owned) {
    auto it = answers.find(id);
    if (it != answers.end()) {
      results.push_back(it->second);
    } else {
      not_found.push_back(id);
    }
  }
  return Json({{"results", std::move(results)}, {"not_found", std::move(not_found)}}, route);
}

HttpResponse Api::Forward(const std::string& url, const std::string& method,
                          const std::string& target, const std::string& body,
                          const std::string& route) const {
  sources_.locator->CountForwarded();
  HttpCall call{.base_url = url,
                .method = method,
                .target = target,
                .body = body,
                .headers = {{kForwardedHeader, "1"}},
                .timeout_ms = config_.cluster.forward_timeout_ms};
  if (method == "POST") call.headers.emplace_back("Content-Type", "application/json");
  StatusOr<HttpResponse> r = sources_.forward(call);
  if (!r.ok()) return Unavailable("the owner does not answer: " + r.status().message(), route);
  r->route = route;
  return std::move(*r);
}

HttpResponse Api::Segments() const {
  const std::string route = "/v1/segments";
  const auto live = sources_.pipeline->live_snapshot();
  if (!live || !live->baseline) return ProblemResponse(503, "no baseline yet", route);
  const BaselineModel& b = *live->baseline;
  const DriftStatus d = sources_.drift ? sources_.drift() : DriftStatus{};
  // Sizes come from the last drift evaluation (a full pass over the customers).
  const bool sized = d.evaluated && d.baseline_version == b.version;
  uint64_t total = 0;
  if (sized) {
    for (uint64_t n : d.online.baseline_sizes) total += n;
  }
  json segments = json::array();
  for (int c = 0; c < b.k(); ++c) {
    const auto live_units = ToOriginalUnits(b.spec, b.scaler, live->centroids.row(c).data());
    auto size_of = [&](const std::vector<uint64_t>& sizes) -> json {
      return sized && size_t(c) < sizes.size() ? json(sizes[c]) : json(nullptr);
    };
    auto share_of = [&](const std::vector<uint64_t>& sizes) -> json {
      return sized && total > 0 && size_t(c) < sizes.size() ? json(double(sizes[c]) / total)
                                                            : json(nullptr);
    };
    segments.push_back({{"id", c},
                        {"name", b.names[c]},
                        {"size", size_of(d.online.comparison_sizes)},
                        {"share", share_of(d.online.comparison_sizes)},
                        {"centroid", CentroidJson(b.spec, live_units)},
                        {"baseline",
                         {{"size", size_of(d.online.baseline_sizes)},
                          {"share", share_of(d.online.baseline_sizes)},
                          {"trained_size", b.sizes[c]},
                          {"centroid", CentroidJson(b.spec, b.centroids_original[c])}}}});
  }
  return Json({{"baseline_version", b.version},
               {"sizes_as_of", sized ? Rfc3339OrNull(d.evaluated_unix_ms) : json(nullptr)},
               {"customers", sized ? json(total) : json(nullptr)},
               {"segments", std::move(segments)}},
              route);
}

int64_t Api::Watermark() const {
  const int64_t own = sources_.stats->watermark_ms.load();
  return sources_.group_watermark ? std::max(own, sources_.group_watermark()) : own;
}

HttpResponse Api::Model() const {
  const std::string route = "/v1/model";
  const auto live = sources_.pipeline->live_snapshot();
  auto versions = ListBaselineVersions(*sources_.store);
  if (!versions.ok()) return ProblemResponse(500, versions.status().ToString(), route);
  const DriftStatus d = sources_.drift ? sources_.drift() : DriftStatus{};
  json baseline = nullptr;
  if (live && live->baseline) {
    const BaselineModel& b = *live->baseline;
    json names = json::array();
    for (const std::string& n : b.names) names.push_back(n);
    baseline = {{"version", b.version},
                {"trained_at", Rfc3339OrNull(b.trained_unix_ms)},
                {"features_as_of", Rfc3339OrNull(b.watermark_ms)},
                {"population", b.population},
                {"k", b.k()},
                {"inertia", b.inertia},
                {"features", FeatureSpecJson(b.spec)},
                {"segment_names", std::move(names)}};
  }
  json drift = {{"method", config_.drift.method},
                {"retrain", config_.drift.retrain},
                {"threshold", config_.drift.threshold},
                {"critical", config_.drift.critical},
                {"evaluated_at", d.evaluated ? Rfc3339OrNull(d.evaluated_unix_ms) : json(nullptr)},
                {"ari",
                 {{"online", d.evaluated ? Number(d.online.ari) : json(nullptr)},
                  {"refit", d.refit_evaluated ? Number(d.refit.ari) : json(nullptr)}}},
                {"retrain_recommended", d.retrain_recommended},
                {"severity", DriftSeverityName(d.severity)},
                {"detector", d.detector},
                {"statistic", d.evaluated ? Number(d.statistic) : json(nullptr)},
                {"limit", d.evaluated ? Number(d.limit) : json(nullptr)},
                {"reason", d.reason},
                {"as_of", d.evaluated ? Rfc3339OrNull(d.as_of_ms) : json(nullptr)}};
  return Json({{"baseline", std::move(baseline)},
               {"live",
                {{"baseline_version", baseline.is_null() ? json(nullptr) : baseline["version"]},
                 {"updates", live ? live->updates : 0},
                 {"as_of", Rfc3339OrNull(Watermark())}}},
               {"versions", *versions},
               {"drift", std::move(drift)}},
              route);
}

bool Api::Authorized(const HttpRequest& req) const {
  const std::string prefix = "Bearer ";
  return req.authorization.starts_with(prefix) &&
         ConstantTimeEquals(req.authorization.substr(prefix.size()), config_.http.admin_token);
}

HttpResponse Api::Retrain(const HttpRequest& req) const {
  const std::string route = "/v1/admin/retrain";
  if (!Authorized(req)) return Unauthorized(route);
  if (!req.forwarded.empty() && sources_.group_follower && sources_.group_follower()) {
    return Unavailable("this instance is not the group's leader (rebalance in progress)", route);
  }
  auto done = sources_.pipeline->RequestRetrain(RetrainTrigger::kAdmin);
  if (done.wait_for(std::chrono::milliseconds(config_.http.admin_wait_ms)) !=
      std::future_status::ready) {
    return Json({{"status", "pending"}}, route, 202);
  }
  const StatusOr<uint64_t> version = done.get();
  if (!version.ok()) {
    const StatusCode code = version.status().code();
    return ProblemResponse(code == StatusCode::kFailedPrecondition ? 409 : 503,
                           version.status().message(), route);
  }
  return Json({{"status", "done"}, {"baseline_version", *version}}, route);
}

}  // namespace segd
