// Decodes and validates contract-v1 events from Kafka messages. One instance per thread (it
// owns a reusable parser and buffer); not safe for concurrent use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "segd/event/event.h"
#include "segd/event/rejection.h"

namespace segd {

struct DecoderOptions {
  size_t max_event_bytes = 64 * 1024;           // ingest.max_event_bytes
  int64_t max_future_skew_ms = 86'400'000;      // ingest.max_future_skew_seconds * 1000
  int64_t min_event_time_ms = 946'684'800'000;  // ingest.min_event_time (2000-01-01T00:00:00Z)
  size_t max_depth = 32;                        // deeper JSON nesting is bad_json
};

class EventDecoder {
 public:
  explicit EventDecoder(DecoderOptions options = {});
  ~EventDecoder();
  EventDecoder(const EventDecoder&) = delete;
  EventDecoder& operator=(const EventDecoder&) = delete;

  // Decodes the message (`key` may be null: absent key). On success fills `*event` (all fields
  // overwritten) and returns nullopt; otherwise returns the first rule broken, in contract
  // order. `now_ms` is the wall clock used by the future-time guard.
  [[nodiscard]] std::optional<Rejection> Decode(const std::string_view* key, std::string_view value,
                                                int64_t now_ms, Event* event);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  DecoderOptions options_;
};

}  // namespace segd
