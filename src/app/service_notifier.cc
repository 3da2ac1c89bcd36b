#include "app/service_notifier.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <chrono>

namespace segd {

ServiceNotifier::ServiceNotifier(std::function<int64_t()> heartbeat_ns)
    : heartbeat_ns_(std::move(heartbeat_ns)) {}

ServiceNotifier::~ServiceNotifier() { Stopping(); }

void ServiceNotifier::Ready(const std::string& status) {
  sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    spdlog::info("systemd watchdog every {} ms", usec / 1000);
    watchdog_ = std::thread([this, usec] { Watchdog(usec); });
  }
}

void ServiceNotifier::Stopping() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  sd_notify(0, "STOPPING=1");
  wake_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

void ServiceNotifier::Watchdog(uint64_t interval_usec) {
  // Ping at half the interval, and only while the consumer loop has iterated within it: a
  // consumer thread stuck in a storage call or a deadlock gets segd restarted.
  const auto period = std::chrono::microseconds(interval_usec / 2);
  const int64_t limit_ns = int64_t(interval_usec) * 1000;
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
    if (now - heartbeat_ns_() < limit_ns) {
      sd_notify(0, "WATCHDOG=1");
    } else {
      spdlog::warn("consumer loop silent for {} ms: not pinging the systemd watchdog",
                   (now - heartbeat_ns_()) / 1'000'000);
    }
  }
}

}  // namespace segd
