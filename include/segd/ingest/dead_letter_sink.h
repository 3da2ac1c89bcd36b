// Where rejected events go. Owned and called by the consumer thread.
#pragma once

#include "segd/common/status.h"
#include "segd/event/rejection.h"
#include "segd/ingest/raw_message.h"

namespace segd {

class DeadLetterSink {
 public:
  virtual ~DeadLetterSink() = default;

  // Queues a copy of `message` (bytes unchanged) with the contract's segd.error.* and
  // segd.source.* headers.
  [[nodiscard]] virtual Status Send(const RawMessage& message, const Rejection& rejection) = 0;

  // Returns ok once every copy queued since the last Flush is acknowledged by the broker; an error
  // means some may not be, and the caller must not advance past their offsets.
  [[nodiscard]] virtual Status Flush() = 0;
};

}  // namespace segd
