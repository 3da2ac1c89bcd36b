// Where rejected events go. Owned and called by the consumer thread.
#pragma once

#include <cstdint>

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

// Keeps no copy: counts what it is given and acknowledges at once. For replays whose dead letters
// go nowhere (segd simulate, benchmarks, tests): count() says how many there were.
class CountingDeadLetterSink final : public DeadLetterSink {
 public:
  Status Send(const RawMessage&, const Rejection&) override {
    ++count_;
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  uint64_t count() const { return count_; }

 private:
  uint64_t count_ = 0;
};

}  // namespace segd
