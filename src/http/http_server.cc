// civetweb stays inside this file. Every request goes through Serve(): limits first (body size),
// then the handler, then one write of the whole response.
#include "segd/http/http_server.h"

#include <CivetServer.h>

#include <chrono>
#include <cstring>
#include <string>

namespace segd {
namespace {

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

void Write(mg_connection* conn, const HttpResponse& r) {
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " + HttpReason(r.status) +
                     "\r\nContent-Type: " + r.content_type +
                     "\r\nContent-Length: " + std::to_string(r.body.size()) +
                     "\r\nCache-Control: no-store\r\n";
  for (const auto& [name, value] : r.headers) head += name + ": " + value + "\r\n";
  head += "\r\n";
  head += r.body;  // one write: a separate body write waits on Nagle + delayed ACK (40 ms)
  mg_write(conn, head.data(), head.size());
}

class Dispatcher : public CivetHandler {
 public:
  Dispatcher(const HttpOptions& o, HttpHandler handler, HttpObserver observer)
      : max_body_(size_t(o.max_body_bytes)),
        handler_(std::move(handler)),
        observer_(std::move(observer)) {}

  bool handleGet(CivetServer*, mg_connection* c) override { return Serve(c); }
  bool handlePost(CivetServer*, mg_connection* c) override { return Serve(c); }
  bool handlePut(CivetServer*, mg_connection* c) override { return Serve(c); }
  bool handleDelete(CivetServer*, mg_connection* c) override { return Serve(c); }
  bool handlePatch(CivetServer*, mg_connection* c) override { return Serve(c); }
  bool handleOptions(CivetServer*, mg_connection* c) override { return Serve(c); }

 private:
  bool Serve(mg_connection* conn) {
    const auto start = std::chrono::steady_clock::now();
    const mg_request_info* info = mg_get_request_info(conn);
    HttpRequest req;
    req.method = info->request_method ? info->request_method : "";
    req.path = info->local_uri ? info->local_uri : "";  // percent-decoded by civetweb
    req.query = info->query_string ? info->query_string : "";
    if (const char* auth = mg_get_header(conn, "Authorization")) req.authorization = auth;
    if (const char* hop = mg_get_header(conn, kForwardedHeader)) req.forwarded = hop;
    HttpResponse response;
    if (ReadBody(conn, info, &req.body)) {
      response = handler_ ? handler_(req) : ProblemResponse(404, "no such resource");
    } else {
      response = ProblemResponse(413, "request body larger than " + std::to_string(max_body_) +
                                          " bytes (http.max_body_bytes)");
      response.headers.emplace_back("Connection", "close");
    }
    Write(conn, response);
    if (observer_) {
      observer_(response.route, response.status,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return true;
  }

  // Reads the body (Content-Length or chunked) into *body; false when it exceeds the limit
  // (then the rest is not read and the connection is closed).
  bool ReadBody(mg_connection* conn, const mg_request_info* info, std::string* body) const {
    if (info->content_length > static_cast<long long>(max_body_)) return false;
    char buf[8192];
    for (int n; (n = mg_read(conn, buf, sizeof(buf))) > 0;) {
      if (body->size() + size_t(n) > max_body_) return false;
      body->append(buf, size_t(n));
    }
    return true;
  }

  size_t max_body_;
  HttpHandler handler_;
  HttpObserver observer_;
};

class CivetHttpServer : public HttpServer {
 public:
  CivetHttpServer(std::unique_ptr<CivetServer> server, std::unique_ptr<Dispatcher> dispatcher)
      : dispatcher_(std::move(dispatcher)), server_(std::move(server)) {
    server_->addHandler("/", dispatcher_.get());
  }
  ~CivetHttpServer() override { server_->close(); }
  int port() const override {
    auto ports = server_->getListeningPorts();
    return ports.empty() ? 0 : ports[0];
  }

 private:
  std::unique_ptr<Dispatcher> dispatcher_;  // outlives server_
  std::unique_ptr<CivetServer> server_;
};

}  // namespace

const char* HttpReason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

HttpResponse ProblemResponse(int status, std::string_view detail, std::string route) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = R"({"type":"about:blank","title":")" + std::string(HttpReason(status)) +
           R"(","status":)" + std::to_string(status) + R"(,"detail":")" + JsonEscape(detail) +
           "\"}";
  r.route = std::move(route);
  return r;
}

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpOptions& o, HttpHandler handler,
                                                        HttpObserver observer) {
  std::vector<std::string> options = {
      "listening_ports",       o.bind,
      "num_threads",           std::to_string(o.threads),
      "request_timeout_ms",    std::to_string(o.request_timeout_ms),
      "enable_keep_alive",     "yes",
      "keep_alive_timeout_ms", std::to_string(o.keep_alive_timeout_ms),
      "tcp_nodelay",           "1",
  };
  try {
    auto server = std::make_unique<CivetServer>(options);
    return std::unique_ptr<HttpServer>(new CivetHttpServer(
        std::move(server),
        std::make_unique<Dispatcher>(o, std::move(handler), std::move(observer))));
  } catch (const CivetException& e) {
    return Unavailable("http.bind " + o.bind + ": " + e.what());
  }
}

}  // namespace segd
