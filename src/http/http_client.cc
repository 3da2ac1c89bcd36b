#include "segd/http/http_client.h"

#include <civetweb.h>
#include <strings.h>

#include <charconv>
#include <memory>

namespace segd {
namespace {

struct ConnectionCloser {
  void operator()(mg_connection* c) const { mg_close_connection(c); }
};

// "http://host:port" -> host, port.
bool SplitBaseUrl(const std::string& url, std::string* host, int* port) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return false;
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    *host = rest;
    *port = 80;
    return !host->empty();
  }
  *host = rest.substr(0, colon);
  auto [end, ec] = std::from_chars(rest.data() + colon + 1, rest.data() + rest.size(), *port);
  return ec == std::errc() && end == rest.data() + rest.size() && !host->empty();
}

}  // namespace

std::string PercentEncodePathSegment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

StatusOr<HttpResponse> SendHttpRequest(const HttpCall& call) {
  static const unsigned kInit = mg_init_library(0);  // reference-counted; never released
  (void)kInit;
  std::string host;
  int port = 0;
  if (!SplitBaseUrl(call.base_url, &host, &port)) {
    return InvalidArgument("not an http://host:port URL: " + call.base_url);
  }
  char err[256] = "";
  std::unique_ptr<mg_connection, ConnectionCloser> conn(
      mg_connect_client(host.c_str(), port, 0, err, sizeof(err)));
  if (!conn) return Unavailable(call.base_url + ": " + err);
  std::string head =
      call.method + " " + call.target + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
      "\r\nConnection: close\r\nContent-Length: " + std::to_string(call.body.size()) + "\r\n";
  for (const auto& [name, value] : call.headers) head += name + ": " + value + "\r\n";
  head += "\r\n" + call.body;
  if (mg_write(conn.get(), head.data(), head.size()) != static_cast<int>(head.size())) {
    return Unavailable(call.base_url + ": cannot send the request");
  }
  if (mg_get_response(conn.get(), err, sizeof(err), call.timeout_ms) < 0) {
    return Unavailable(call.base_url + ": " + err);
  }
  const mg_response_info* info = mg_get_response_info(conn.get());
  HttpResponse r;
  r.status = info->status_code;
  r.content_type.clear();
  for (int i = 0; i < info->num_headers; ++i) {
    const mg_header& h = info->http_headers[i];
    if (strcasecmp(h.name, "Content-Type") == 0) r.content_type = h.value;
    if (strcasecmp(h.name, "Retry-After") == 0) r.headers.emplace_back("Retry-After", h.value);
  }
  char buf[8192];
  for (int n; (n = mg_read(conn.get(), buf, sizeof(buf))) > 0;) r.body.append(buf, size_t(n));
  return r;
}

}  // namespace segd
