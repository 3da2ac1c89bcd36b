// The snapshots that open listings page through, by id: each one stays while it is used and is
// dropped after `idle_ms` without use; at most `max_open` at once. Safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "segd/common/hex.h"
#include "segd/common/status.h"

namespace segd {

template <typename T>
class SnapshotRegistry {
 public:
  struct Options {
    size_t max_open = 16;       // open snapshots at most
    int64_t idle_ms = 300'000;  // a snapshot unused for this long is dropped
  };

  // `now_ms` is a clock in milliseconds (injected for tests).
  SnapshotRegistry(Options options, std::function<int64_t()> now_ms)
      : options_(options), now_ms_(std::move(now_ms)), ids_(std::random_device{}()) {}

  // Keeps `snapshot` under a new random id and returns the id; Unavailable when max_open
  // snapshots are open (expired ones are dropped first).
  [[nodiscard]] StatusOr<std::string> Open(std::shared_ptr<const T> snapshot) {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = now_ms_();
    DropExpired(now);
    if (open_.size() >= options_.max_open) {
      return Unavailable(std::to_string(open_.size()) +
                         " listings are open, the most there may be");
    }
    std::string id;
    do {
      const uint64_t words[2] = {ids_(), ids_()};
      id = HexEncode(std::string_view(reinterpret_cast<const char*>(words), sizeof(words)));
    } while (open_.contains(id));
    open_[id] = {std::move(snapshot), now};
    return id;
  }

  // The snapshot kept under `id`, its idle time restarted; nullptr when there is none (never
  // opened, expired or closed).
  std::shared_ptr<const T> Find(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = now_ms_();
    DropExpired(now);
    auto it = open_.find(id);
    if (it == open_.end()) return nullptr;
    it->second.used_ms = now;
    return it->second.snapshot;
  }

  // Drops the snapshot kept under `id` (its listing ended); readers holding it keep their copy.
  void Close(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    open_.erase(id);
  }

  // Snapshots kept now (expired ones included until the next Open or Find).
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return open_.size();
  }

 private:
  struct Entry {
    std::shared_ptr<const T> snapshot;
    int64_t used_ms = 0;
  };

  void DropExpired(int64_t now) {
    std::erase_if(open_, [&](const auto& e) { return now - e.second.used_ms >= options_.idle_ms; });
  }

  const Options options_;
  const std::function<int64_t()> now_ms_;
  mutable std::mutex mu_;
  std::mt19937_64 ids_;                // guarded by mu_
  std::map<std::string, Entry> open_;  // guarded by mu_
};

}  // namespace segd
