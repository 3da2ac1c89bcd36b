// A minimal HTTP/1.1 client (civetweb's) for forwarding a lookup to another segd instance:
// one request per connection. Safe from any thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "segd/common/status.h"
#include "segd/http/http_server.h"

namespace segd {

struct HttpCall {
  std::string base_url;  // "http://host:port" (no TLS)
  std::string method = "GET";
  std::string target;  // path and query, already percent-encoded
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int timeout_ms = 2000;  // for the response (connecting to a dead host may take longer)
};

// The response (status, content type, body and its Retry-After header, if any, in `headers`),
// or Unavailable when the host cannot be reached or does not answer in time.
[[nodiscard]] StatusOr<HttpResponse> SendHttpRequest(const HttpCall& call);

// Percent-encodes one path segment (RFC 3986 unreserved characters stay).
std::string PercentEncodePathSegment(std::string_view segment);

}  // namespace segd
