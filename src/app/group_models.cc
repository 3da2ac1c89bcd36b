#include "app/group_models.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "app/model_options.h"
#include "drift/drift_record_json.h"
#include "segd/common/binary_codec.h"
#include "segd/common/hex.h"

namespace segd {
namespace {

using nlohmann::json;

constexpr std::string_view kRowsMagic = "segd-rows 1\n";
constexpr int kRoundMs = 200;
constexpr int kRowsTimeoutMs = 120000;
constexpr auto kRetry = std::chrono::seconds(5);
constexpr size_t kMaxSegments = 64;  // bounds a drift table a request can ask for

bool Authorized(const std::string& token, const std::string& authorization) {
  return token.empty() || authorization == "Bearer " + token;
}

// A JSON number, or NaN for null (JSON has no NaN: nlohmann writes it as null).
double Real(const json& j) {
  return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>();
}

json Vector(const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

json ModelJson(const ScaledModel& m) {
  json centroids = json::array();
  for (Eigen::Index c = 0; c < m.centroids->rows(); ++c) {
    const auto row = m.centroids->row(c);
    centroids.push_back(std::vector<double>(row.data(), row.data() + row.size()));
  }
  return {{"mean", Vector(m.scaler->mean())},
          {"std", Vector(m.scaler->std())},
          {"weight", Vector(m.scaler->weight())},
          {"centroids", std::move(centroids)}};
}

// A model of a drift-table request: its scaler and centroids (the spec is the config's).
struct WireModel {
  Scaler scaler;
  RowMatrix centroids;
};

bool ParseVector(const json& j, size_t d, Eigen::VectorXd* out) {
  if (!j.is_array() || j.size() != d) return false;
  out->resize(Eigen::Index(d));
  for (size_t i = 0; i < d; ++i) {
    if (!j[i].is_number()) return false;
    (*out)[Eigen::Index(i)] = j[i].get<double>();
  }
  return true;
}

bool ParseModel(const json& j, size_t d, WireModel* out) {
  if (!j.is_object() || !j.contains("centroids") || !j["centroids"].is_array() ||
      j["centroids"].empty() || j["centroids"].size() > kMaxSegments) {
    return false;
  }
  Eigen::VectorXd mean, std, weight;
  if (!ParseVector(j.value("mean", json()), d, &mean) ||
      !ParseVector(j.value("std", json()), d, &std) ||
      !ParseVector(j.value("weight", json()), d, &weight)) {
    return false;
  }
  out->scaler = Scaler(std::move(mean), std::move(std), std::move(weight));
  const json& c = j["centroids"];
  out->centroids.resize(Eigen::Index(c.size()), Eigen::Index(d));
  for (size_t r = 0; r < c.size(); ++r) {
    Eigen::VectorXd row;
    if (!ParseVector(c[r], d, &row)) return false;
    out->centroids.row(Eigen::Index(r)) = row.transpose();
  }
  return true;
}

}  // namespace

json DriftReportJson(const DriftReport& r) {
  json table = json::array();
  for (int a = 0; a < r.table.rows(); ++a) {
    json row = json::array();
    for (int b = 0; b < r.table.cols(); ++b) row.push_back(r.table.at(a, b));
    table.push_back(std::move(row));
  }
  return {{"table", std::move(table)},
          {"cols", r.table.cols()},
          {"ari", r.ari},
          {"customers", r.customers},
          {"baseline_sizes", r.baseline_sizes},
          {"comparison_sizes", r.comparison_sizes},
          {"centroid_shift", r.centroid_shift},
          {"psi", r.psi},
          {"seconds", r.seconds},
          {"active_days", r.active_days},
          {"active_sizes", r.active_sizes}};
}

StatusOr<DriftReport> ParseDriftReport(const json& j) {
  try {
    const json& t = j.at("table");
    const int rows = static_cast<int>(t.size()), cols = j.at("cols").get<int>();
    if (rows < 1 || cols < 1 || size_t(rows) > kMaxSegments || size_t(cols) > kMaxSegments) {
      return InvalidArgument("drift report: bad table shape");
    }
    DriftReport r;
    r.table = ContingencyTable(rows, cols);
    for (int a = 0; a < rows; ++a) {
      if (t[a].size() != size_t(cols)) return InvalidArgument("drift report: ragged table");
      for (int b = 0; b < cols; ++b) r.table.Add(a, b, t[a][b].get<uint64_t>());
    }
    r.ari = Real(j.at("ari"));
    r.customers = j.at("customers").get<uint64_t>();
    r.baseline_sizes = j.at("baseline_sizes").get<std::vector<uint64_t>>();
    r.comparison_sizes = j.at("comparison_sizes").get<std::vector<uint64_t>>();
    for (const json& v : j.at("centroid_shift")) r.centroid_shift.push_back(Real(v));
    r.psi = Real(j.at("psi"));
    r.seconds = Real(j.at("seconds"));
    r.active_days = Real(j.at("active_days"));
    r.active_sizes = j.at("active_sizes").get<std::vector<uint64_t>>();
    return r;
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("drift report: ") + e.what());
  }
}

std::string EncodeBaselineMessage(const BaselineModel& model) {
  std::string out(kBaselineMessageKind);
  out += "\nversion=" + std::to_string(model.version);
  out += "\nmodel=" + HexEncode(model.Encode());
  out += '\n';
  return out;
}

StatusOr<BaselineModel> DecodeBaselineMessage(std::string_view value) {
  if (!value.starts_with(kBaselineMessageKind)) return InvalidArgument("not a baseline message");
  const size_t at = value.find("\nmodel=");
  if (at == std::string_view::npos) return InvalidArgument("baseline message: no model");
  std::string_view hex = value.substr(at + 7);
  if (const size_t end = hex.find('\n'); end != std::string_view::npos) hex = hex.substr(0, end);
  std::string bytes;
  if (!HexDecode(hex, &bytes)) return InvalidArgument("baseline message: bad model encoding");
  return BaselineModel::Decode(bytes);
}

std::string EncodeFeatureRows(const FeatureRows& rows) {
  std::string out(kRowsMagic);
  Put<uint64_t>(&out, rows.ids.size());
  Put<uint64_t>(&out, rows.d);
  for (const std::string& id : rows.ids) {
    Put<uint32_t>(&out, static_cast<uint32_t>(id.size()));
    out += id;
  }
  if (!rows.values.empty()) {
    out.append(reinterpret_cast<const char*>(rows.values.data()), rows.values.size() * 8);
    out.append(reinterpret_cast<const char*>(rows.raw.data()), rows.raw.size() * 8);
  }
  return out;
}

StatusOr<FeatureRows> DecodeFeatureRows(std::string_view in) {
  if (!in.starts_with(kRowsMagic)) return InvalidArgument("not segd feature rows");
  in.remove_prefix(kRowsMagic.size());
  uint64_t n = 0, d = 0;
  if (!Get(&in, &n) || !Get(&in, &d) || d > 64 || n > in.size()) {
    return InvalidArgument("feature rows: bad header");
  }
  FeatureRows rows;
  rows.d = d;
  rows.ids.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t len = 0;
    if (!Get(&in, &len) || in.size() < len) return InvalidArgument("feature rows: truncated id");
    rows.ids.emplace_back(in.substr(0, len));
    in.remove_prefix(len);
  }
  if (in.size() != 2 * n * d * 8) return InvalidArgument("feature rows: truncated values");
  rows.values.resize(n * d);
  rows.raw.resize(n * d);
  if (n * d > 0) {  // memcpy wants real pointers, even for 0 bytes
    std::memcpy(rows.values.data(), in.data(), n * d * 8);
    std::memcpy(rows.raw.data(), in.data() + n * d * 8, n * d * 8);
  }
  return rows;
}

GroupModels::GroupModels(const SegdConfig& config, StateStore* store, IngestPipeline* pipeline,
                         ClusterNode* node, Send send)
    : config_(config),
      store_(store),
      pipeline_(pipeline),
      node_(node),
      send_(std::move(send)),
      model_options_(ToLifecycleOptions(config.model)) {
  node_->Subscribe(std::string(kBaselineMessageKind),
                   [this](const ControlMessage& m) { OnBaseline(m); });
  node_->Subscribe(std::string(kDriftMessageKind), [this](const ControlMessage& m) { OnDrift(m); });
  pipeline_->SetFitGate([node] { return !node->has_peers(); },
                        [this](RetrainTrigger trigger, std::promise<StatusOr<uint64_t>> done) {
                          std::lock_guard<std::mutex> lock(mu_);
                          fits_.push_back({trigger, std::move(done)});
                          wake_.notify_all();
                        });
}

GroupModels::~GroupModels() { Stop(); }

void GroupModels::SetDriftMonitor(DriftMonitor* monitor) {
  drift_ = monitor;
  monitor->SetGroup(this);
}

DriftGroup::Role GroupModels::role() const {
  if (!node_->has_peers()) return Role::kSingle;
  return node_->is_leader() ? Role::kLeader : Role::kFollower;
}

StatusOr<DriftReport> GroupModels::Evaluate(int64_t as_of_ms, const ScaledModel& baseline,
                                            const ScaledModel& comparison, double active_days) {
  const json request = {{"as_of_ms", as_of_ms},
                        {"active_days", active_days},
                        {"same_space", baseline.scaler == comparison.scaler},
                        {"baseline", ModelJson(baseline)},
                        {"comparison", ModelJson(comparison)}};
  auto bodies = AskEveryMember("/v1/cluster/drift-table", request, kRowsTimeoutMs,
                               [this](const HttpRequest& r) { return DriftTable(r); });
  if (!bodies.ok()) return bodies.status();
  std::vector<DriftReport> parts;
  for (const std::string& body : *bodies) {
    const json j = json::parse(body, nullptr, false);
    auto part = ParseDriftReport(j);
    if (!part.ok()) return Unavailable("a member's drift table: " + part.status().message());
    parts.push_back(std::move(*part));
  }
  auto merged = MergeDriftReports(parts, baseline, comparison);
  if (!merged.ok()) return Unavailable("the members' drift tables: " + merged.status().message());
  return merged;
}

HttpResponse GroupModels::DriftTable(const HttpRequest& req) const {
  const std::string route = "/v1/cluster/drift-table";
  if (!Authorized(config_.http.admin_token, req.authorization)) {
    return ProblemResponse(401, "a valid bearer token is required", route);
  }
  const json body = json::parse(req.body, nullptr, false);
  const size_t d = model_options_.spec.features.size();
  WireModel base, cmp;
  if (body.is_discarded() || !body.is_object() || !body.contains("as_of_ms") ||
      !body["as_of_ms"].is_number_integer() || !body.value("active_days", json()).is_number() ||
      !body.value("same_space", json()).is_boolean() ||
      !ParseModel(body.value("baseline", json()), d, &base) ||
      !ParseModel(body.value("comparison", json()), d, &cmp)) {
    return ProblemResponse(
        400, "body must hold as_of_ms, active_days, same_space, baseline and comparison", route);
  }
  auto include = CustomersOf(body);
  if (!include.ok()) {
    HttpResponse r =
        ProblemResponse(include.status().code() == StatusCode::kUnavailable ? 503 : 400,
                        include.status().message(), route);
    if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  const bool same_space = body["same_space"].get<bool>();
  const FeatureSpec& spec = model_options_.spec;
  auto report = EvaluateDrift(*store_, body["as_of_ms"].get<int64_t>(),
                              {&spec, &base.scaler, &base.centroids},
                              {&spec, same_space ? &base.scaler : &cmp.scaler, &cmp.centroids},
                              body["active_days"].get<double>(), *include);
  if (!report.ok()) return ProblemResponse(500, report.status().message(), route);
  HttpResponse r;
  r.body = DriftReportJson(*report).dump();
  r.route = route;
  return r;
}

void GroupModels::Publish(const DriftRecord& record, const DriftStatus& status) {
  json s = {{"online", DriftReportJson(status.online)},
            {"refit", status.refit_evaluated ? DriftReportJson(status.refit) : json(nullptr)},
            {"retrain_recommended", status.retrain_recommended},
            {"severity", static_cast<int>(status.severity)},
            {"baseline_version", status.baseline_version},
            {"live_updates", status.live_updates},
            {"evaluated_unix_ms", status.evaluated_unix_ms},
            {"as_of_ms", status.as_of_ms},
            {"detector", status.detector},
            {"statistic", status.statistic},
            {"limit", status.limit},
            {"reason", status.reason}};
  node_->Publish(std::string(kDriftMessageKind) + "\n" +
                     json{{"record", DriftRecordJson(record)}, {"status", std::move(s)}}.dump() +
                     "\n",
                 "segd-drift");
}

void GroupModels::OnDrift(const ControlMessage& m) {
  try {
    FollowDrift(m);
  } catch (const std::exception& e) {  // on the node's thread: never let a message end segd
    spdlog::warn("cluster: drift message from {}: {}", m.key, e.what());
  }
}

void GroupModels::FollowDrift(const ControlMessage& m) {
  if (!drift_ || role() != Role::kFollower) return;  // the leader made it; alone: stale
  const size_t at = m.value.find('\n');
  const json j = json::parse(m.value.substr(at == std::string::npos ? m.value.size() : at + 1),
                             nullptr, false);
  if (j.is_discarded() || !j.contains("record") || !j.contains("status")) {
    spdlog::warn("cluster: drift message from {} is not readable", m.key);
    return;
  }
  auto record = ParseDriftRecord(j["record"].dump());
  const json& s = j["status"];
  auto online = ParseDriftReport(s.value("online", json()));
  if (!record.ok() || !online.ok()) {
    spdlog::warn("cluster: drift message from {}: {}", m.key,
                 (!record.ok() ? record.status() : online.status()).ToString());
    return;
  }
  DriftStatus status;
  status.evaluated = true;
  status.online = std::move(*online);
  if (s.contains("refit") && !s["refit"].is_null()) {
    auto refit = ParseDriftReport(s["refit"]);
    if (refit.ok()) {
      status.refit_evaluated = true;
      status.refit = std::move(*refit);
    }
  }
  try {
    status.retrain_recommended = s.at("retrain_recommended").get<bool>();
    status.severity = static_cast<DriftSeverity>(s.at("severity").get<int>());
    status.baseline_version = s.at("baseline_version").get<uint64_t>();
    status.live_updates = s.at("live_updates").get<uint64_t>();
    status.evaluated_unix_ms = s.at("evaluated_unix_ms").get<int64_t>();
    status.as_of_ms = s.at("as_of_ms").get<int64_t>();
    status.detector = s.at("detector").get<std::string>();
    status.statistic = Real(s.at("statistic"));
    status.limit = Real(s.at("limit"));
    status.reason = s.at("reason").get<std::string>();
  } catch (const json::exception& e) {
    spdlog::warn("cluster: drift message from {}: {}", m.key, e.what());
    return;
  }
  if (Status st = drift_->Adopt(*record, status); !st.ok()) {
    spdlog::warn("cluster: keeping the leader's drift evaluation: {}", st.ToString());
  }
}

void GroupModels::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void GroupModels::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    for (FitRequest& f : fits_) f.done.set_value(Unavailable("segd is stopping"));
    fits_.clear();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GroupModels::OnBaseline(const ControlMessage& m) {
  auto model = DecodeBaselineMessage(m.value);
  if (!model.ok()) {
    spdlog::warn("cluster: baseline message from {}: {}", m.key, model.status().ToString());
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  // A slower former leader's fit must not take the group back to an older version.
  if (published_ && model->version < published_->version) return;
  published_bytes_ = model->Encode();
  published_ = std::make_shared<const BaselineModel>(std::move(*model));
}

void GroupModels::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    try {
      Round();
    } catch (const std::exception& e) {  // a member's malformed answer must not end segd
      spdlog::warn("cluster: group models round: {}", e.what());
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(kRoundMs),
                   [this] { return stop_ || !fits_.empty(); });
  }
}

void GroupModels::Round() {
  std::shared_ptr<const BaselineModel> published;
  std::string published_bytes;
  std::deque<FitRequest> fits;
  {
    std::lock_guard<std::mutex> lock(mu_);
    published = published_;
    published_bytes = published_bytes_;
    fits.swap(fits_);
  }
  try {
    Round(std::move(published), published_bytes, fits);
  } catch (const std::exception& e) {
    // Whoever waits for a fit gets an answer (a broken promise would throw at the waiter).
    for (FitRequest& f : fits) {
      try {
        f.done.set_value(Unavailable(std::string("group fit: ") + e.what()));
      } catch (const std::future_error&) {  // answered already
      }
    }
    throw;
  }
}

void GroupModels::Round(std::shared_ptr<const BaselineModel> published,
                        const std::string& published_bytes, std::deque<FitRequest>& fits) {
  auto snapshot = pipeline_->live_snapshot();
  const std::shared_ptr<const BaselineModel> local = snapshot ? snapshot->baseline : nullptr;
  const bool leader = node_->is_leader();
  const bool peers = node_->has_peers();
  const auto now = std::chrono::steady_clock::now();
  if (adopting_ && adopting_->wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    auto version = adopting_->get();
    if (!version.ok()) {
      spdlog::warn("cluster: adopting a baseline: {}", version.status().ToString());
      next_adopt_ = now + kRetry;  // not every round
    }
    adopting_.reset();
  }
  // With peers, every member follows the latest published baseline; the leader only when its
  // own is not newer (then it publishes its own instead, below). Alone, an instance keeps what
  // it has, as a single instance does (a wiped store bootstraps; an old published model is not
  // taken for its own).
  if (peers && published && !adopting_ && now >= next_adopt_ &&
      (!local || local->Encode() != published_bytes) &&
      (!leader || !local || published->version >= local->version)) {
    spdlog::info("cluster: adopting the group's baseline v{}", published->version);
    adopting_ = pipeline_->RequestAdopt(published);
  }
  // The leader announces its baseline while the topic holds an older one (again every few
  // seconds: a publication may be lost).
  if (leader && local && (!published || local->version > published->version) &&
      now >= next_announce_) {
    node_->Publish(EncodeBaselineMessage(*local), "segd-baseline");
    next_announce_ = now + kRetry;
    spdlog::info("cluster: baseline v{} published to the group", local->version);
  }
  // The group's bootstrap: at the leader, once the members hold enough customers together.
  if (leader && !local && !published && fits.empty() &&
      model_options_.bootstrap_min_customers > 0 && peers && now >= next_bootstrap_) {
    uint64_t customers = 0;
    for (const auto& [id, m] : node_->members()) customers += m.customers;
    if (customers >= model_options_.bootstrap_min_customers) {
      auto version = GroupFit(RetrainTrigger::kBootstrap);
      if (!version.ok()) {
        spdlog::warn("cluster: group bootstrap postponed: {}", version.status().ToString());
      }
      // After a success too: the published model takes a moment to come back from the topic.
      next_bootstrap_ = std::chrono::steady_clock::now() + kRetry;
    }
  }
  if (fits.empty()) return;
  if (leader) {
    auto version = GroupFit(fits.front().trigger);
    if (!version.ok()) {
      spdlog::warn("cluster: group retrain ({}) failed: {}",
                   RetrainTriggerName(fits.front().trigger), version.status().ToString());
    }
    for (FitRequest& f : fits) f.done.set_value(version);
    return;
  }
  const std::optional<std::string> leader_id = node_->leader();
  std::string leader_url;
  if (leader_id) {
    const auto members = node_->members();
    if (auto it = members.find(*leader_id); it != members.end()) leader_url = it->second.url;
  }
  for (FitRequest& f : fits) {
    if (f.trigger != RetrainTrigger::kAdmin) {
      f.done.set_value(FailedPrecondition("the group's leader decides automatic retrains"));
    } else if (leader_url.empty()) {
      f.done.set_value(Unavailable("the group has no leader (rebalance in progress)"));
    } else {
      f.done.set_value(ForwardRetrain(leader_url));
    }
  }
}

HttpResponse GroupModels::Rows(const HttpRequest& req) const {
  const std::string route = "/v1/cluster/rows";
  if (!Authorized(config_.http.admin_token, req.authorization)) {
    return ProblemResponse(401, "a valid bearer token is required", route);
  }
  const json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("as_of_ms") ||
      !body["as_of_ms"].is_number_integer()) {
    return ProblemResponse(400, "body must be {\"as_of_ms\": <integer>}", route);
  }
  auto include = CustomersOf(body);
  if (!include.ok()) {
    HttpResponse r =
        ProblemResponse(include.status().code() == StatusCode::kUnavailable ? 503 : 400,
                        include.status().message(), route);
    if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  FeatureRows rows;
  Status s = CollectFeatureRows(*store_, body["as_of_ms"].get<int64_t>(), model_options_.spec,
                                *include, &rows);
  if (!s.ok()) return ProblemResponse(500, s.message(), route);
  HttpResponse r;
  r.content_type = "application/octet-stream";
  r.body = EncodeFeatureRows(rows);
  r.route = route;
  return r;
}

StatusOr<std::vector<std::string>> GroupModels::AskEveryMember(
    const std::string& path, const json& body, int timeout_ms,
    const std::function<HttpResponse(const HttpRequest&)>& local) const {
  // Each partition is asked of exactly one member, its owner in this instance's view, which
  // answers for the customers of those partitions only: none is counted twice, even by a
  // member that still holds customers of partitions it lost.
  const auto owners = node_->partitions_by_owner();
  if (!owners) return Unavailable("not every partition has an owner yet");
  const auto members = node_->members();
  HttpRequest own{.method = "POST", .path = path};
  if (!config_.http.admin_token.empty()) own.authorization = "Bearer " + config_.http.admin_token;
  // The members answer in parallel; each one's work is a scan of its own store.
  std::vector<std::future<HttpResponse>> answers;
  std::vector<std::string> ids;
  for (const auto& [id, partitions] : *owners) {
    const auto m = members.find(id);
    if (m == members.end()) return Unavailable("member " + id + " left");
    json request = body;
    request["partitions"] = partitions;
    ids.push_back(id);
    if (id == node_->member_id()) {
      HttpRequest r = own;
      r.body = request.dump();
      answers.push_back(std::async(std::launch::async, [&local, r] { return local(r); }));
      continue;
    }
    HttpCall call{
        .base_url = m->second.url, .method = "POST", .target = path, .body = request.dump()};
    call.timeout_ms = timeout_ms;
    if (!own.authorization.empty()) call.headers.emplace_back("Authorization", own.authorization);
    call.headers.emplace_back(kForwardedHeader, "1");
    answers.push_back(std::async(std::launch::async, [this, call] {
      auto sent = send_(call);
      if (!sent.ok()) return ProblemResponse(503, sent.status().message());
      return std::move(*sent);
    }));
  }
  std::vector<std::string> bodies;
  Status failed;
  for (size_t i = 0; i < answers.size(); ++i) {
    HttpResponse r = answers[i].get();
    if (r.status != 200 && failed.ok()) {
      failed = Unavailable("member " + ids[i] + " answered " + std::to_string(r.status) + ": " +
                           r.body.substr(0, 300));
    }
    bodies.push_back(std::move(r.body));
  }
  if (!failed.ok()) return failed;
  return bodies;
}

StatusOr<std::function<bool(std::string_view)>> GroupModels::CustomersOf(const json& body) const {
  if (!body.contains("partitions")) return std::function<bool(std::string_view)>();  // all
  const json& list = body["partitions"];
  if (!list.is_array()) return InvalidArgument("partitions must be an array of integers");
  std::set<int32_t> partitions;
  for (const json& p : list) {
    if (!p.is_number_integer()) return InvalidArgument("partitions must be an array of integers");
    partitions.insert(p.get<int32_t>());
  }
  if (node_->partition_count() == 0) return Unavailable("the partition count is not known yet");
  return std::function<bool(std::string_view)>(
      [this, partitions = std::move(partitions)](std::string_view id) {
        const std::optional<int32_t> p = node_->PartitionOf(id);
        return p && partitions.contains(*p);
      });
}

StatusOr<FeatureRows> GroupModels::Rows(int64_t as_of_ms) {
  auto bodies = AskEveryMember("/v1/cluster/rows", json{{"as_of_ms", as_of_ms}}, kRowsTimeoutMs,
                               [this](const HttpRequest& r) { return Rows(r); });
  if (!bodies.ok()) return bodies.status();
  std::vector<FeatureRows> parts;
  const size_t d = model_options_.spec.features.size();
  for (const std::string& body : *bodies) {
    auto rows = DecodeFeatureRows(body);
    if (!rows.ok()) return Unavailable("a member's rows: " + rows.status().message());
    if (rows->d != d) {
      return Unavailable("a member's rows have " + std::to_string(rows->d) +
                         " features, this instance's config " + std::to_string(d));
    }
    parts.push_back(std::move(*rows));
  }
  return MergeFeatureRows(std::move(parts));
}

StatusOr<uint64_t> GroupModels::GroupFit(RetrainTrigger trigger) {
  if (!node_->is_leader()) return Unavailable("this instance is no longer the group's leader");
  const auto started = std::chrono::steady_clock::now();
  int64_t as_of = pipeline_->stats().watermark_ms.load();
  const auto members = node_->members();
  for (const auto& [id, m] : members) as_of = std::max(as_of, m.watermark_ms);
  auto rows = Rows(as_of);
  if (!rows.ok()) return rows.status();
  std::shared_ptr<const BaselineModel> previous;
  {
    std::lock_guard<std::mutex> lock(mu_);
    previous = published_;
  }
  auto snapshot = pipeline_->live_snapshot();
  if (snapshot && snapshot->baseline &&
      (!previous || snapshot->baseline->version > previous->version)) {
    previous = snapshot->baseline;
  }
  auto model = FitBaseline(std::move(*rows), as_of, model_options_.spec, model_options_.train,
                           previous.get());
  if (!model.ok()) return model.status();
  if (!node_->is_leader()) return Unavailable("leadership moved during the fit");
  node_->Publish(EncodeBaselineMessage(*model), "segd-baseline");
  next_announce_ = std::chrono::steady_clock::now() + kRetry;
  spdlog::info(
      "cluster: baseline v{} fitted for the group trigger={} members={} customers={} "
      "seconds={:.3f}",
      model->version, RetrainTriggerName(trigger), members.size(), model->population,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return model->version;
}

StatusOr<uint64_t> GroupModels::ForwardRetrain(const std::string& leader_url) {
  HttpCall call{.base_url = leader_url, .method = "POST", .target = "/v1/admin/retrain"};
  call.headers.emplace_back("Authorization", "Bearer " + config_.http.admin_token);
  call.headers.emplace_back(kForwardedHeader, "1");
  call.timeout_ms = config_.http.admin_wait_ms + 5000;
  auto r = send_(call);
  if (!r.ok()) return Unavailable("the group's leader " + leader_url + ": " + r.status().message());
  const json body = json::parse(r->body, nullptr, false);
  if (r->status == 200 && body.is_object() && body.contains("baseline_version") &&
      body["baseline_version"].is_number_unsigned()) {
    return body["baseline_version"].get<uint64_t>();
  }
  const std::string detail =
      body.is_object() && body.contains("detail") && body["detail"].is_string()
          ? body["detail"].get<std::string>()
          : r->body.substr(0, 300);
  if (r->status == 409) return FailedPrecondition(detail);
  return Unavailable("the group's leader answered " + std::to_string(r->status) + ": " + detail);
}

}  // namespace segd
