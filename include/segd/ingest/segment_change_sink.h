// Where segment-change events go (the output topic). Used by one thread at a time (the
// pipeline's commit, or the consumer thread between batches).
#pragma once

#include <span>

#include "segd/common/status.h"
#include "segd/ingest/segment_change.h"

namespace segd {

class SegmentChangeSink {
 public:
  virtual ~SegmentChangeSink() = default;

  // Queues `announcements` in order (each customer's in the order given).
  [[nodiscard]] virtual Status Send(std::span<const Announcement> announcements) = 0;
  // Waits until everything queued since the last Flush is acknowledged. An error means some may
  // or may not have been delivered: the caller sends them again later (the events carry the
  // same ids).
  [[nodiscard]] virtual Status Flush() = 0;
};

}  // namespace segd
