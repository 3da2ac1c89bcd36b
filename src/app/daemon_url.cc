#include "app/daemon_url.h"

namespace segd {

StatusOr<std::string> DaemonUrl(const SegdConfig& config) {
  const std::string& bind = config.http.bind;
  const size_t colon = bind.rfind(':');
  std::string host = colon == std::string::npos ? "" : bind.substr(0, colon);
  const std::string port = colon == std::string::npos ? "" : bind.substr(colon + 1);
  if (port.empty() || port == "0") {
    return InvalidArgument("http.bind " + bind + " names no fixed port: pass --url");
  }
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::" || host == "[::]") host = "[::1]";
  return "http://" + host + ":" + port;
}

}  // namespace segd
