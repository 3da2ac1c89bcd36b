// Told when event time crosses a boundary of a fixed schedule (every N days of event time), at
// the one moment the committed state is the state as of that boundary. Called on the consumer
// thread, from inside IngestPipeline::Process; ingest waits until it returns.
#pragma once

#include <cstdint>

#include "segd/common/status.h"

namespace segd {

class EventTimeBoundaryListener {
 public:
  virtual ~EventTimeBoundaryListener() = default;

  // Every event applied so far has a time before `boundary_ms` (or is late: its time is below
  // the watermark), every one is committed, and the next event moves the watermark to
  // `boundary_ms` or past it. Boundaries that one event jumps over are each reported, in order,
  // on the same state. May read the store (nothing writes it meanwhile) and commit meta blobs.
  // Returns whether a new baseline should be fitted now, on this state (an automatic retrain).
  // An error stops consumption. After a crash the same boundary may be reported again, on the
  // same state: listeners keep what they record idempotent.
  [[nodiscard]] virtual StatusOr<bool> OnBoundary(int64_t boundary_ms) = 0;
};

// The first boundary after `time_ms` on a schedule of `every_ms` from the Unix epoch.
inline int64_t BoundaryAfter(int64_t time_ms, int64_t every_ms) {
  return (time_ms / every_ms + 1) * every_ms;
}

}  // namespace segd
