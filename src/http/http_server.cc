// Errors are RFC 9457 problem documents. Routing is by hand: four fixed paths and one prefix do
// not need a router.
#include "segd/http/http_server.h"

#include <CivetServer.h>

#include <cstring>
#include <string>

namespace segd {
namespace {

constexpr size_t kMaxIdBytes = 128;

void Send(mg_connection* conn, int status, const char* reason, const char* content_type,
          const std::string& body, const char* extra_headers = "") {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\n%s\r\n",
            status, reason, content_type, body.size(), extra_headers);
  mg_write(conn, body.data(), body.size());
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void Problem(mg_connection* conn, int status, const char* reason, std::string_view detail,
             const char* extra_headers = "") {
  const std::string body = R"({"type":"about:blank","title":")" + std::string(reason) +
                           R"(","status":)" + std::to_string(status) + R"(,"detail":")" +
                           JsonEscape(detail) + "\"}";
  Send(conn, status, reason, "application/problem+json", body, extra_headers);
}

// Decodes %XX escapes; false on a malformed escape.
bool UrlDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size() || !std::isxdigit(in[i + 1]) || !std::isxdigit(in[i + 2])) {
      return false;
    }
    out->push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
    i += 2;
  }
  return true;
}

class Router : public CivetHandler {
 public:
  explicit Router(HttpHandlers h) : h_(std::move(h)) {}

  bool handleGet(CivetServer*, mg_connection* conn) override {
    const mg_request_info* req = mg_get_request_info(conn);
    const std::string_view path = req->local_uri ? req->local_uri : "";
    if (path == "/livez") {
      Send(conn, 200, "OK", "text/plain", "ok\n");
    } else if (path == "/readyz") {
      const std::string why = h_.not_ready_reason();
      if (why.empty()) {
        Send(conn, 200, "OK", "text/plain", "ready\n");
      } else {
        Problem(conn, 503, "Service Unavailable", why, "Retry-After: 1\r\n");
      }
    } else if (path == "/metrics") {
      Send(conn, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", h_.metrics());
    } else if (path.starts_with("/v1/customers/")) {
      Customer(conn, path.substr(std::strlen("/v1/customers/")));
    } else {
      Problem(conn, 404, "Not Found", "no such resource");
    }
    return true;
  }

  bool handlePost(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePut(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handleDelete(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePatch(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }

 private:
  static bool NotAllowed(mg_connection* conn) {
    Problem(conn, 405, "Method Not Allowed", "only GET is served here", "Allow: GET\r\n");
    return true;
  }

  void Customer(mg_connection* conn, std::string_view raw_id) {
    std::string id;
    // local_uri is already percent-decoded by civetweb; decode again only if it still has %.
    if (!UrlDecode(raw_id, &id) || id.empty() || id.size() > kMaxIdBytes ||
        id.find('/') != std::string::npos) {
      Problem(conn, 400, "Bad Request", "customer id must be 1..128 bytes");
      return;
    }
    auto found = h_.customer(id);
    if (!found.ok()) {
      Problem(conn, 500, "Internal Server Error", found.status().message());
    } else if (!found->has_value()) {
      Problem(conn, 404, "Not Found", "no customer with this id");
    } else {
      Send(conn, 200, "OK", "application/json", **found);
    }
  }

  HttpHandlers h_;
};

class CivetHttpServer : public HttpServer {
 public:
  CivetHttpServer(std::unique_ptr<CivetServer> server, std::unique_ptr<Router> router)
      : router_(std::move(router)), server_(std::move(server)) {
    server_->addHandler("/", router_.get());
  }
  ~CivetHttpServer() override { server_->close(); }
  int port() const override {
    auto ports = server_->getListeningPorts();
    return ports.empty() ? 0 : ports[0];
  }

 private:
  std::unique_ptr<Router> router_;  // outlives server_
  std::unique_ptr<CivetServer> server_;
};

}  // namespace

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpOptions& o,
                                                        HttpHandlers handlers) {
  std::vector<std::string> options = {
      "listening_ports",       o.bind,
      "num_threads",           std::to_string(o.threads),
      "request_timeout_ms",    std::to_string(o.request_timeout_ms),
      "enable_keep_alive",     "yes",
      "keep_alive_timeout_ms", std::to_string(o.keep_alive_timeout_ms),
  };
  try {
    auto server = std::make_unique<CivetServer>(options);
    return std::unique_ptr<HttpServer>(
        new CivetHttpServer(std::move(server), std::make_unique<Router>(std::move(handlers))));
  } catch (const CivetException& e) {
    return Unavailable("http.bind " + o.bind + ": " + e.what());
  }
}

}  // namespace segd
