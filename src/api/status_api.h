// The status page over HTTP: `GET /` (one self-contained HTML page, status_page.h) and
// `GET /v1/status` (readiness, ingest counters, consumer lag and the group's members as JSON, the
// figures no other endpoint gives). Described by deploy/openapi.yaml. Thread-safe: Handle runs
// on any HTTP worker thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "segd/cluster/member_record.h"
#include "segd/config/segd_config.h"
#include "segd/http/http_server.h"
#include "segd/ingest/ingest_stats.h"

namespace segd {

struct StatusSources {
  const IngestStats* stats = nullptr;              // required; this instance's counters
  std::function<std::string()> not_ready_reason;   // required; "" when ready
  std::function<int64_t()> watermark;              // required; the group's in a cluster
  std::function<std::vector<PartitionLag>()> lag;  // this instance's partitions (null: unknown)
  // Several instances: the members of the group as the control topic tells them (null: one).
  std::function<std::vector<MemberRecord>()> members;
};

class StatusApi {
 public:
  // `config` is copied (the group and topics the status names); the sources must outlive it.
  StatusApi(const SegdConfig& config, StatusSources sources);

  // The response for `/` or `/v1/status`, or nullopt when `request.path` is neither.
  std::optional<HttpResponse> Handle(const HttpRequest& request) const;

 private:
  HttpResponse Status() const;

  std::string group_id_;
  std::vector<std::string> topics_;
  StatusSources sources_;
};

}  // namespace segd
