// segd's HTTP transport (civetweb): reads a request within the configured limits, hands it to
// one handler, writes its response, and reports each request's route, status and duration.
// Handlers run on civetweb's worker threads; the handler and observer must be thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "segd/common/status.h"

namespace segd {

struct HttpOptions {
  std::string bind = "127.0.0.1:8080";  // http.bind: host:port; port 0 picks a free one
  int threads = 512;                    // http.threads: workers (one per open connection)
  int request_timeout_ms = 5000;        // http.request_timeout_ms
  int keep_alive_timeout_ms = 2000;     // http.keep_alive_timeout_ms
  int max_body_bytes = 262144;          // http.max_body_bytes: larger bodies get 413
  int max_batch_ids = 1000;             // http.max_batch_ids: ids per batchGet
  // http.admin_token (env SEGD_ADMIN_TOKEN, or http.admin_token_file): bearer token of the
  // admin endpoints; empty disables them (404).
  std::string admin_token;
  std::string admin_token_file;
  int admin_wait_ms = 60000;  // http.admin_wait_ms: a retrain still running after this is 202
  // Customer listings (GET /v1/segments/{id}/customers) keep a snapshot per open listing:
  int max_open_listings = 16;  // http.max_open_listings: more at once get 429
  int listing_idle_s = 300;    // http.listing_idle_s: a listing unused this long expires
};

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string path;           // percent-decoded by the server, without the query string
  std::string query;          // raw, without '?'
  std::string body;           // at most max_body_bytes
  std::string authorization;  // the Authorization header, "" when absent
  std::string forwarded;      // the X-Segd-Forwarded header (set by a forwarding segd), or ""
};

// The hop marker of a request one segd instance forwards to another: a request carrying it is
// answered by the receiver itself, never forwarded again.
inline constexpr char kForwardedHeader[] = "X-Segd-Forwarded";

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string route = "other";  // the route template, for metrics (never a customer id)
};

// An RFC 9457 problem document (application/problem+json).
HttpResponse ProblemResponse(int status, std::string_view detail, std::string route = "other");
// The reason phrase of a status code ("Not Found").
const char* HttpReason(int status);

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
using HttpObserver = std::function<void(const std::string& route, int status, double seconds)>;

class HttpServer {
 public:
  // Binds and starts serving; fails with the bind address in the message.
  [[nodiscard]] static StatusOr<std::unique_ptr<HttpServer>> Start(const HttpOptions& options,
                                                                   HttpHandler handler,
                                                                   HttpObserver observer = nullptr);
  virtual ~HttpServer() = default;
  // The port actually bound (useful with port 0).
  virtual int port() const = 0;
};

}  // namespace segd
