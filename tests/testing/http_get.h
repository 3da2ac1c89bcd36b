// A minimal blocking HTTP/1.1 client for tests against servers on 127.0.0.1. Not thread-safe.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace segd::testing {

struct HttpReply {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

// Sends `method path` (with `body` and extra header lines) with Connection: close and returns
// the reply (status 0 on failure).
inline HttpReply HttpRequest(int port, const std::string& method, const std::string& path,
                             const std::string& body = "",
                             const std::vector<std::string>& headers = {}) {
  HttpReply reply;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return reply;
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\nConnection: close\r\n";
  for (const std::string& h : headers) req += h + "\r\n";
  req += "\r\n" + body;
  (void)!write(fd, req.data(), req.size());
  std::string raw;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) raw.append(buf, static_cast<size_t>(n));
  close(fd);
  const size_t split = raw.find("\r\n\r\n");
  if (raw.size() < 12 || split == std::string::npos) return reply;
  reply.status = std::stoi(raw.substr(9, 3));
  reply.head = raw.substr(0, split);
  reply.body = raw.substr(split + 4);
  std::string lower_head = reply.head;
  for (char& c : lower_head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower_head.find("transfer-encoding: chunked") != std::string::npos) {
    std::string body;  // size line (hex), data, CRLF; a 0 size ends it
    for (size_t at = 0; at < reply.body.size();) {
      const size_t eol = reply.body.find("\r\n", at);
      if (eol == std::string::npos) break;
      const size_t n = std::stoul(reply.body.substr(at, eol - at), nullptr, 16);
      if (n == 0) break;
      body += reply.body.substr(eol + 2, n);
      at = eol + 2 + n + 2;
    }
    reply.body = std::move(body);
  }
  return reply;
}

}  // namespace segd::testing
