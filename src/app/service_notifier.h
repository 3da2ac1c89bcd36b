// Talks to systemd (Type=notify): READY=1 once segd serves, STOPPING=1 on the way out, and
// WATCHDOG=1 pings while the consumer thread keeps iterating. Without NOTIFY_SOCKET (not under
// systemd) every call is a no-op. Start/Stop from the main thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace segd {

class ServiceNotifier {
 public:
  // `heartbeat_ns` returns the steady_clock time of the consumer loop's latest iteration.
  explicit ServiceNotifier(std::function<int64_t()> heartbeat_ns);
  ~ServiceNotifier();

  void Ready(const std::string& status);
  void Stopping();

 private:
  void Watchdog(uint64_t interval_usec);

  std::function<int64_t()> heartbeat_ns_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread watchdog_;
};

}  // namespace segd
