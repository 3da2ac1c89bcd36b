// The drift history over HTTP: `GET /v1/drift` (every evaluation in an event-time range, paged)
// and `GET /v1/drift/chart.svg` (the same range as a chart). Described by deploy/openapi.yaml.
// Thread-safe: Handle runs on any HTTP worker thread.
#pragma once

#include <optional>

#include "drift/drift_history.h"
#include "segd/config/segd_config.h"
#include "segd/http/http_server.h"

namespace segd {

class DriftApi {
 public:
  // `history` must outlive the DriftApi; `config` is copied.
  DriftApi(const DriftConfig& config, const DriftHistory* history);

  // The response for one of its routes, or nullopt when `request.path` is not one of them.
  std::optional<HttpResponse> Handle(const HttpRequest& request) const;

 private:
  HttpResponse Page(const HttpRequest& request) const;
  HttpResponse Chart(const HttpRequest& request) const;

  DriftConfig config_;
  const DriftHistory* history_;
};

}  // namespace segd
