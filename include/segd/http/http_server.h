// segd's HTTP endpoint (civetweb): health, readiness, Prometheus metrics and customer lookup.
// Handlers run on civetweb's worker threads; everything they call must be safe for concurrent
// readers (the state store and the atomics behind the callbacks are).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "segd/common/status.h"

namespace segd {

struct HttpOptions {
  std::string bind = "127.0.0.1:8080";  // http.bind: host:port; port 0 picks a free one
  int threads = 16;                     // http.threads: workers (one per keep-alive connection)
  int request_timeout_ms = 5000;        // http.request_timeout_ms
  int keep_alive_timeout_ms = 2000;     // http.keep_alive_timeout_ms
};

// What the server serves; each callback must be thread-safe.
struct HttpHandlers {
  // Empty when ready; otherwise why not (503 with Retry-After).
  std::function<std::string()> not_ready_reason;
  // Prometheus text exposition of every metric.
  std::function<std::string()> metrics;
  // A customer as a JSON object, nullopt when unknown, or an error (500).
  std::function<StatusOr<std::optional<std::string>>(std::string_view id)> customer;
};

class HttpServer {
 public:
  // Binds and starts serving; fails with the bind address in the message.
  [[nodiscard]] static StatusOr<std::unique_ptr<HttpServer>> Start(const HttpOptions& options,
                                                                   HttpHandlers handlers);
  virtual ~HttpServer() = default;
  // The port actually bound (useful with port 0).
  virtual int port() const = 0;
};

}  // namespace segd
