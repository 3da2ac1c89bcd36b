// segd's HTTP API, independent of the transport: one Handle() per request, routing by method
// and path, JSON in and out, problem+json (RFC 9457) for every error. Read-only except the
// admin retrain, which asks the ingest pipeline (the store's only writer) for a new baseline,
// and the admin backup.
// Described by deploy/openapi.yaml. Thread-safe: Handle runs on any HTTP worker thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/status_api.h"
#include "app/audience_api.h"
#include "app/drift_api.h"
#include "segd/cluster/customer_route.h"
#include "segd/config/segd_config.h"
#include "segd/http/http_client.h"
#include "segd/http/http_server.h"
#include "segd/ingest/ingest_pipeline.h"
#include "segd/model/drift_status.h"
#include "segd/state/state_store.h"

namespace segd {

struct ApiSources {
  StateStore* store = nullptr;
  IngestPipeline* pipeline = nullptr;  // live snapshot and retrain requests
  const IngestStats* stats = nullptr;  // watermark, customers
  std::function<DriftStatus()> drift;  // the last evaluation
  std::function<std::string()> not_ready_reason;
  std::function<std::string()> metrics;         // Prometheus text exposition
  const DriftHistory* drift_history = nullptr;  // GET /v1/drift (nullptr: 404)
  // Several instances: where each customer is served (null: every lookup is answered here),
  // and how a lookup reaches its owner (required with a locator).
  const CustomerLocator* locator = nullptr;
  std::function<StatusOr<HttpResponse>(const HttpCall&)> forward;
  // Several instances: POST /v1/cluster/rows, this member's part of a group fit (null: 404).
  std::function<HttpResponse(const HttpRequest&)> cluster_rows;
  // Several instances: the group's watermark (the largest of the members'), so features are
  // the same whichever member computes them (null: this instance's own).
  std::function<int64_t()> group_watermark;
  // Several instances: whether this instance follows a leader now (a forwarded admin retrain
  // then answers 503 rather than bouncing between members during a rebalance).
  std::function<bool()> group_follower;
  // POST /v1/cluster/drift-table, this member's share of a group drift evaluation (null: 404).
  std::function<HttpResponse(const HttpRequest&)> cluster_drift_table;
  // Partitions being restored from the changelog now, and the partition of a customer id
  // (nullopt: unknown): lookups of a restoring partition answer 503 (null: never).
  std::function<std::vector<int32_t>()> restoring;
  std::function<std::optional<int32_t>(std::string_view)> partition_of;
  // Several instances: the partitions this instance owns now; a customer listing then lists
  // the customers of those at its first page (null: every stored customer).
  std::function<std::vector<int32_t>()> own_partitions;
  // POST /v1/admin/backup, called once the admin token checks out (null: 404).
  std::function<HttpResponse(const HttpRequest&)> admin_backup;
  // GET /v1/status: the consumer lag of this instance's partitions (null: unknown) and, with
  // several instances, the group's members (null: one instance).
  std::function<std::vector<PartitionLag>()> lag;
  std::function<std::vector<MemberRecord>()> members;
};

class Api {
 public:
  // `config` is copied; the sources must outlive the Api.
  Api(const SegdConfig& config, ApiSources sources);
  Api(const Api&) = delete;  // its parts call back into it
  Api& operator=(const Api&) = delete;

  HttpResponse Handle(const HttpRequest& request) const;

  // Why customer `id` cannot be looked up here now because its partition is being restored
  // from the changelog (nullopt: it can).
  std::optional<std::string> Restoring(std::string_view id) const;

 private:
  HttpResponse Readyz() const;
  // Why this instance is not ready ("" when it is): /readyz and /v1/status.
  std::string NotReadyReason() const;
  HttpResponse Customer(const std::string& id, const HttpRequest& request) const;
  HttpResponse BatchGet(const HttpRequest& request) const;
  HttpResponse Segments() const;
  HttpResponse Model() const;
  HttpResponse Retrain(const HttpRequest& request) const;
  // Whether the request carries the admin bearer token.
  bool Authorized(const HttpRequest& request) const;
  int64_t Watermark() const;
  // Sends a lookup to the instance at `url` with the hop marker; 503 when it cannot be reached.
  HttpResponse Forward(const std::string& url, const std::string& method, const std::string& target,
                       const std::string& body, const std::string& route) const;

  SegdConfig config_;
  ApiSources sources_;
  std::optional<DriftApi> drift_api_;          // when sources.drift_history is set
  StatusApi status_api_;                       // GET / and GET /v1/status
  std::unique_ptr<AudienceApi> audience_api_;  // GET /v1/segments/{id}/customers
};

// Every route label a reply of the Api carries (the `route` label of the HTTP metrics): the
// paths of deploy/openapi.yaml, the two group-internal ones, and "other" for anything else.
// Fixed, whatever the requests, so the metrics' label set is bounded.
const std::set<std::string>& ApiRouteLabels();

// Equal strings, in time that depends only on the length of `expected`.
bool ConstantTimeEquals(const std::string& given, const std::string& expected);

}  // namespace segd
